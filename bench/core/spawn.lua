-- spawn.lua - ltrio: task spawn+join per second, N start_soon of an empty function
-- in nurseries of BATCH tasks each. Usage: build/ltrio bench/core/spawn.lua [N] [BATCH]
local trio = require "ltrio"
local n, batch = math.tointeger(tonumber(arg[1]) or 1000000), math.tointeger(tonumber(arg[2]) or 1000)

local function nothing() end
local function fill(nursery)
  for _ = 1, batch do nursery:start_soon(nothing) end
end

local t0 = trio.current_time()
for _ = 1, n // batch do trio.open_nursery(fill) end
print(("RESULT name=spawn rate=%.0f"):format(n // batch * batch / (trio.current_time() - t0)))
