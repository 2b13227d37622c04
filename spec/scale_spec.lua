-- Scale: 100 000 tasks sleeping on distinct deadlines in one nursery wake in
-- deadline order (virtual time); afterwards memory and engine counters are back
-- (issue 2, "Behaviour that specs must pin down", last item).
local h = require "spec.helper"
local trio = require "ltrio"

local N = 100000

local function counters()
  local t = {}
  for k, v in pairs(trio.lowlevel.engine_statistics()) do
    if k ~= "threads_pooled" then t[k] = v end
  end
  return t
end

describe("100 000 sleeping tasks", function()
  it("wake in deadline order under an autojumping MockClock, and leave nothing behind", function()
    -- Fill the bounded pool of idle threads first, so that it is part of both
    -- measurements: the pool is allowed to stay, anything else is not.
    h.checked(trio.run, function()
      trio.open_nursery(function(nursery)
        for _ = 1, 4096 do nursery:start_soon(trio.sleep, 0) end
      end)
    end)
    collectgarbage()
    collectgarbage()
    local mem0 = collectgarbage("count")
    local stats0 = counters()
    local fds0 = h.fds()

    local woken, late, out_of_order, peak = 0, 0, 0, 0
    do
      local last = 0
      local clock = trio.testing.MockClock { autojump_threshold = 0 }
      trio.run_with({ clock = clock }, function()
        trio.open_nursery(function(nursery)
          for k = 0, N - 1 do
            local i = (k * 7919) % N + 1     -- a permutation of 1..N: spawn order is not deadline order
            local deadline = i / 1000
            nursery:start_soon(function()
              trio.sleep_until(deadline)
              woken = woken + 1
              if trio.current_time() ~= deadline then late = late + 1 end
              if i <= last then out_of_order = out_of_order + 1 end
              last = i
            end)
          end
          trio.testing.wait_all_tasks_blocked()
          peak = trio.lowlevel.current_statistics().tasks_living
        end)
      end)
    end

    assert.are.equal(N, woken)
    assert.are.equal(0, out_of_order, out_of_order .. " tasks woke out of deadline order")
    assert.are.equal(0, late, late .. " tasks woke at a time other than their deadline")
    assert.is_true(peak >= N, "only " .. peak .. " tasks were alive at once")

    collectgarbage()
    collectgarbage()
    local mem1 = collectgarbage("count")
    assert.is_true(math.abs(mem1 - mem0) <= 0.1 * mem0,
      string.format("Lua memory went from %.0f KiB to %.0f KiB", mem0, mem1))
    assert.are.same(stats0, counters())
    local pooled = trio.lowlevel.engine_statistics().threads_pooled
    assert.is_true(pooled <= 1024, pooled .. " idle threads kept (DESIGN.md: at most 1024)")
    assert.are.equal(fds0, h.fds())
  end)
end)
