-- checkpoints.lua - ltrio: checkpoints per second, one task doing trio.sleep(0) in a loop.
-- Usage: build/ltrio bench/core/checkpoints.lua [SECONDS]
local trio = require "ltrio"
local secs = tonumber(arg[1]) or 2

local n, t0 = 0, trio.current_time()
repeat
  for _ = 1, 1000 do trio.sleep(0) end
  n = n + 1000
until trio.current_time() - t0 >= secs
print(("RESULT name=checkpoints rate=%.0f"):format(n / (trio.current_time() - t0)))
