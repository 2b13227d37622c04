-- trio.testing: MockClock (jump, autojump, rate) and wait_all_tasks_blocked
-- (API.md §7; TRIO-SEMANTICS §2.6, §3.4, §5 item 74).
local h = require "spec.helper"
local trio = require "ltrio"

local function run_mock(opts, fn)
  local clock = trio.testing.MockClock(opts)
  return h.checked(trio.run_with, { clock = clock }, fn, clock)
end

describe("trio.testing.MockClock", function()
  it("has rate 0 and autojump_threshold math.huge by default", function()
    for _, clock in ipairs { trio.testing.MockClock(), trio.testing.MockClock {} } do
      assert.are.equal(0, clock.rate)
      assert.are.equal(math.huge, clock.autojump_threshold)
    end
    local c = trio.testing.MockClock { rate = 2, autojump_threshold = 0.5 }
    assert.are.equal(2, c.rate)
    assert.are.equal(0.5, c.autojump_threshold)
  end)

  it("starts at 0.0 and stands still at rate 0", function()
    run_mock(nil, function()
      assert.are.equal(0, trio.current_time())
      assert.are.equal("float", math.type(trio.current_time()))
      for _ = 1, 100 do trio.sleep(0) end
      assert.are.equal(0, trio.current_time())
    end)
  end)

  it("jump() moves time forward", function()
    run_mock(nil, function(clock)
      clock:jump(5)
      assert.are.equal(5, trio.current_time())
      clock:jump(0.25)
      assert.are.equal(5.25, trio.current_time())
      h.raises("ValueError", clock.jump, clock, -1)
      assert.are.equal(5.25, trio.current_time())
    end)
  end)

  it("keeps its time finite: jump and rate refuse inf, nan and an overflowing sum", function()
    local idle = trio.testing.MockClock()
    h.raises("ValueError", trio.testing.MockClock, { rate = math.huge })
    h.raises("ValueError", function() idle.rate = math.huge end)
    h.raises("ValueError", idle.jump, idle, math.huge)
    run_mock(nil, function(clock)
      for _, bad in ipairs{ math.huge, 0 / 0 } do
        local err = h.raises("ValueError", clock.jump, clock, bad)
        assert.truthy(err.message:find("'seconds'", 1, true), err.message)
      end
      clock:jump(1e308)
      h.raises("ValueError", clock.jump, clock, 1e308)
      assert.are.equal(1e308, trio.current_time())
      trio.checkpoint()   -- nothing is cancelled at a far but finite time
      assert.are.equal(math.huge, trio.current_effective_deadline())
    end)
  end)

  it("jump() wakes the sleepers whose deadline passed", function()
    run_mock(nil, function(clock)
      local woke = {}
      trio.open_nursery(function(nursery)
        for _, d in ipairs { 3, 10, 20 } do
          nursery:start_soon(function() trio.sleep(d); woke[#woke + 1] = d end)
        end
        trio.testing.wait_all_tasks_blocked()
        clock:jump(10)
        trio.testing.wait_all_tasks_blocked()
        assert.are.same({ 3, 10 }, woke)
        clock:jump(10)
      end)
      assert.are.same({ 3, 10, 20 }, woke)
      assert.are.equal(20, trio.current_time())
    end)
  end)

  it("autojump_threshold = 0 jumps straight to the next deadline when all tasks are blocked", function()
    run_mock({ autojump_threshold = 0 }, function()
      local log = {}
      trio.open_nursery(function(nursery)
        for _, d in ipairs { 30, 1, 1000, 2.5 } do
          nursery:start_soon(function()
            trio.sleep(d)
            log[#log + 1] = { d, trio.current_time() }
          end)
        end
      end)
      assert.are.same({ { 1, 1 }, { 2.5, 2.5 }, { 30, 30 }, { 1000, 1000 } }, log)
    end)
  end)

  it("autojump_threshold set during the run takes effect", function()
    run_mock(nil, function(clock)
      trio.open_nursery(function(nursery)
        nursery:start_soon(trio.sleep, 50)
        trio.testing.wait_all_tasks_blocked()
        assert.are.equal(0, trio.current_time())
        clock.autojump_threshold = 0
      end)
      assert.are.equal(50, trio.current_time())
    end)
  end)

  it("a positive autojump_threshold waits that long in real time, then jumps", function()
    local real0 = os.time()
    run_mock({ autojump_threshold = 0.01 }, function()
      trio.sleep(1e6)
      assert.are.equal(1e6, trio.current_time())
    end)
    assert.is_true(os.time() - real0 <= 2)
  end)

  it("rate makes virtual time flow with real time, scaled", function()
    run_mock({ rate = 1e4 }, function()
      local t0 = trio.current_time()
      trio.sleep(500)   -- 50 ms of real time at this rate
      local t1 = trio.current_time()
      assert.is_true(t1 - t0 >= 500)
      assert.is_true(t1 - t0 < 2e4, "took " .. (t1 - t0) .. " virtual seconds")
    end)
  end)

  it("rate can be read and changed during the run", function()
    run_mock(nil, function(clock)
      clock.rate = 1e4
      assert.are.equal(1e4, clock.rate)
      trio.sleep(100)
      assert.is_true(trio.current_time() >= 100)
      clock.rate = 0
      local t = trio.current_time()
      trio.sleep(0)
      assert.are.equal(t, trio.current_time())
    end)
  end)

  it("rejects a negative rate", function()
    h.raises("ValueError", trio.testing.MockClock, { rate = -1 })
    local clock = trio.testing.MockClock()
    h.raises("ValueError", function() clock.rate = -0.5 end)
    assert.are.equal(0, clock.rate)
  end)
end)

describe("trio.testing.wait_all_tasks_blocked", function()
  it("returns once every other task is blocked", h.async(function()
    local counts = { 0, 0 }
    local ev = trio.Event()
    trio.open_nursery(function(nursery)
      for i = 1, 2 do
        nursery:start_soon(function()
          for _ = 1, 10 * i do
            trio.sleep(0)
            counts[i] = counts[i] + 1
          end
          ev:wait()
        end)
      end
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({ 10, 20 }, counts)
      ev:set()
    end)
  end))

  it("wakes before an autojump", h.async_mock(function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(trio.sleep, 10)
      trio.testing.wait_all_tasks_blocked()
      assert.are.equal(0, trio.current_time())
    end)
    assert.are.equal(10, trio.current_time())
  end))

  it("with a cushion returns after every task stayed blocked that long (generous bound)", h.async(function()
    local t0 = trio.current_time()
    trio.testing.wait_all_tasks_blocked(0.05)
    local dt = trio.current_time() - t0
    assert.is_true(dt >= 0.05 and dt < 2, "waited " .. dt)
  end))

  it("a cushion is real time, not virtual", h.async_mock(function()
    trio.testing.wait_all_tasks_blocked(0.01)
    assert.are.equal(0, trio.current_time())
  end, { autojump_threshold = math.huge }))

  it("is cancellable", h.async(function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(trio.sleep_forever)
      local cs = trio.CancelScope()
      cs:run(function()
        cs:cancel()
        trio.testing.wait_all_tasks_blocked()
      end)
      assert.is_true(cs.cancelled_caught)
      nursery.cancel_scope:cancel()
    end)
  end))

  it("several waiters all return", h.async(function()
    local returned = 0
    trio.open_nursery(function(nursery)
      for _ = 1, 3 do
        nursery:start_soon(function()
          trio.testing.wait_all_tasks_blocked()
          returned = returned + 1
        end)
      end
    end)
    assert.are.equal(3, returned)
  end))
end)
