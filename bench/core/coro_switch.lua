-- coro_switch.lua - plain Lua 5.4: coroutine resume+yield pairs per second (the floor
-- under any checkpoint). Usage: lua5.4 bench/core/coro_switch.lua [SECONDS]
local secs = tonumber(arg[1]) or 2
local co = coroutine.wrap(function() while true do coroutine.yield() end end)

local n, t0 = 0, os.clock()
repeat
  for _ = 1, 10000 do co() end
  n = n + 10000
until os.clock() - t0 >= secs
print(("RESULT name=checkpoints rate=%.0f"):format(n / (os.clock() - t0)))
