-- sleeping.lua - ltrio: resident memory per sleeping task, N tasks in trio.sleep_forever
-- (RSS delta / N). Usage: build/ltrio bench/core/sleeping.lua [N]
local trio = require "ltrio"
local n = math.tointeger(tonumber(arg[1]) or 100000)

local function rss_kb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) end
  end
end

collectgarbage() collectgarbage()
local before = rss_kb()
trio.open_nursery(function(nursery)
  for _ = 1, n do nursery:start_soon(trio.sleep_forever) end
  trio.testing.wait_all_tasks_blocked()
  local after = rss_kb()
  print(("RESULT name=sleeping bytes=%.0f"):format((after - before) * 1024 / n))
  nursery.cancel_scope:cancel()
end)
