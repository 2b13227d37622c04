-- coro_create.lua - plain Lua 5.4: coroutines created and run to the end per second
-- (the floor under spawn+join). Usage: lua5.4 bench/core/coro_create.lua [N]
local n = math.tointeger(tonumber(arg[1]) or 1000000)
local function nothing() end

local t0 = os.clock()
for _ = 1, n do coroutine.wrap(nothing)() end
print(("RESULT name=spawn rate=%.0f"):format(n / (os.clock() - t0)))
