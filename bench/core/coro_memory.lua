-- coro_memory.lua - plain Lua 5.4: resident memory per suspended coroutine, N coroutines
-- each resumed once into a yield (RSS delta / N). Usage: lua5.4 bench/core/coro_memory.lua [N]
local n = math.tointeger(tonumber(arg[1]) or 100000)

local function rss_kb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) end
  end
end

collectgarbage() collectgarbage()
local before, held = rss_kb(), {}
for i = 1, n do
  local co = coroutine.create(coroutine.yield)
  coroutine.resume(co)
  held[i] = co
end
print(("RESULT name=sleeping bytes=%.0f"):format((rss_kb() - before) * 1024 / n))
