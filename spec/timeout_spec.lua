-- Time and timeouts: sleep*, current_time, move_on_*, fail_* (API.md §3; TRIO-SEMANTICS
-- §2.6, §5 items 62, 65, 66, 92). Timing is checked in virtual time (MockClock).
local h = require "spec.helper"
local trio = require "ltrio"

describe("trio.current_time", function()
  it("is a float that does not go backwards", h.async(function()
    local t0 = trio.current_time()
    assert.are.equal("float", math.type(t0))
    trio.sleep(0.001)
    assert.is_true(trio.current_time() >= t0 + 0.001)
  end))
end)

describe("trio.sleep", function()
  it("sleeps for the given time in virtual time", h.async_mock(function()
    trio.sleep(3)
    assert.are.equal(3, trio.current_time())
    trio.sleep(0.5)
    assert.are.equal(3.5, trio.current_time())
  end))

  it("sleeps for at least the given real time (generous upper bound)", h.async(function()
    local t0 = trio.current_time()
    trio.sleep(0.05)
    local dt = trio.current_time() - t0
    assert.is_true(dt >= 0.05 and dt < 2, "slept " .. dt)
  end))

  it("accepts an integer", h.async_mock(function()
    trio.sleep(2)
    assert.are.equal(2, trio.current_time())
  end))

  it("rejects negative and NaN durations with ValueError", h.async(function()
    local e = h.raises("ValueError", trio.sleep, -1)
    assert.truthy(e.message:find("^trio%.sleep: bad argument #1 'seconds' %("))
    h.raises("ValueError", trio.sleep, 0 / 0)
    h.raises("ValueError", trio.sleep, -math.huge)
  end))

  it("sleep(math.huge) sleeps forever", h.async_mock(function()
    local cs = trio.move_on_after(1000, trio.sleep, math.huge)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(1000, trio.current_time())
  end))

  it("sleep(0) does not block", h.async(function()
    assert.is_false(h.blocks(trio.sleep, 0))
  end))
end)

describe("trio.sleep_until", function()
  it("wakes at the deadline", h.async_mock(function()
    trio.sleep_until(7.25)
    assert.are.equal(7.25, trio.current_time())
  end))

  it("with a past deadline is one checkpoint and does not block", h.async(function()
    assert.is_false(h.blocks(trio.sleep_until, trio.current_time() - 10))
    assert.is_true(h.yields(trio.sleep_until, trio.current_time() - 10))
  end))

  it("rejects a NaN deadline", h.async(function()
    h.raises("ValueError", trio.sleep_until, 0 / 0)
  end))

  it("sleep_until(math.huge) sleeps forever", h.async_mock(function()
    local cs = trio.move_on_after(50, trio.sleep_until, math.huge)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(50, trio.current_time())
  end))
end)

describe("trio.sleep_forever", function()
  it("blocks until cancelled", h.async(function()
    assert.is_true(h.blocks(trio.sleep_forever))
  end))
end)

describe("trio.move_on_after", function()
  it("returns the scope, then fn's results", h.async(function()
    local r = table.pack(trio.move_on_after(10, function(a, b) return a, nil, b end, "x", "y"))
    assert.are.equal(4, r.n)
    local cs = r[1]
    assert.are.equal("x", r[2])
    assert.is_nil(r[3])
    assert.are.equal("y", r[4])
    assert.is_false(cs.cancelled_caught)
    assert.is_false(cs.cancel_called)
    -- it is a CancelScope: same fields and methods
    assert.are.equal(getmetatable(trio.CancelScope()), getmetatable(cs))
  end))

  it("returns only the scope when the time ran out", h.async_mock(function()
    local after = false
    local r = table.pack(trio.move_on_after(2, function()
      trio.sleep(5)
      after = true
      return "unreached"
    end))
    assert.are.equal(1, r.n)
    assert.is_true(r[1].cancelled_caught)
    assert.is_false(after)
    assert.are.equal(2, trio.current_time())
  end))

  it("counts from the call", h.async_mock(function()
    trio.sleep(3)
    local cs = trio.move_on_after(4, function()
      assert.are.equal(7, trio.current_effective_deadline())
      trio.sleep_forever()
    end)
    assert.are.equal(7, cs.deadline)
    assert.are.equal(7, trio.current_time())
  end))

  it("passes arguments and accepts any callable", h.async(function()
    local callable = setmetatable({}, { __call = function(_, a) return a * 2 end })
    local cs, v = trio.move_on_after(10, callable, 21)
    assert.are.equal(42, v)
    assert.is_false(cs.cancelled_caught)
  end))

  it("with 0 cancels at the first checkpoint", h.async(function()
    local steps = {}
    local cs = trio.move_on_after(0, function()
      steps[#steps + 1] = 1
      trio.sleep(0)
      steps[#steps + 1] = 2
    end)
    assert.are.same({ 1 }, steps)
    assert.is_true(cs.cancelled_caught)
  end))

  it("rejects negative and NaN durations with ValueError, before running fn", h.async(function()
    local ran = false
    local f = function() ran = true end
    h.raises("ValueError", trio.move_on_after, -1, f)
    h.raises("ValueError", trio.move_on_after, 0 / 0, f)
    assert.is_false(ran)
  end))

  it("re-raises fn's error", h.async(function()
    local e = {}
    local ok, got = pcall(trio.move_on_after, 10, function() error(e) end)
    assert.is_false(ok)
    assert.are.equal(e, got)
  end))
end)

describe("trio.move_on_at", function()
  it("returns the scope, then fn's results", h.async_mock(function()
    local cs, a, b = trio.move_on_at(100, function() return 1, 2 end)
    assert.are.equal(1, a)
    assert.are.equal(2, b)
    assert.are.equal(100, cs.deadline)
    assert.is_false(cs.cancelled_caught)
  end))

  it("moves on at the absolute deadline", h.async_mock(function()
    trio.sleep(1)
    local cs = trio.move_on_at(3, trio.sleep, 10)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(3, trio.current_time())
  end))

  it("accepts a deadline long past, and cancels at the first checkpoint", h.async(function()
    local cs = trio.move_on_at(-1e9, trio.sleep, 0)
    assert.is_true(cs.cancelled_caught)
    local cs2 = trio.move_on_at(trio.current_time(), trio.sleep, 0)
    assert.is_true(cs2.cancelled_caught)
  end))

  it("rejects a NaN deadline", h.async(function()
    h.raises("ValueError", trio.move_on_at, 0 / 0, function() end)
  end))
end)

describe("trio.fail_after", function()
  it("returns fn's results when in time", h.async_mock(function()
    local r = table.pack(trio.fail_after(100, function(a)
      trio.sleep(0)
      return a, nil
    end, "ok"))
    assert.are.same({ "ok", nil, n = 2 }, r)
  end))

  it("raises TooSlowError when the time runs out", h.async_mock(function()
    local after = false
    local e = h.raises("TooSlowError", trio.fail_after, 1, function()
      trio.sleep(5)
      after = true
    end)
    assert.is_false(after)
    assert.are.equal(1, trio.current_time())
    assert.are.equal("TooSlowError", e.type)
  end))

  it("raises TooSlowError for a tiny timeout around a long real sleep (generous bound)", h.async(function()
    local t0 = trio.current_time()
    h.raises("TooSlowError", trio.fail_after, 0.01, trio.sleep, 1)
    assert.is_true(trio.current_time() - t0 < 2)
  end))

  it("does not raise when fn finishes without a checkpoint after the deadline", h.async(function()
    local r = table.pack(trio.fail_after(0, function() return "fast" end))
    assert.are.same({ "fast", n = 1 }, r)
  end))

  it("lets an outer cancellation through without TooSlowError", h.async(function()
    local outer = trio.CancelScope()
    local raised
    outer:run(function()
      local ok, e = pcall(trio.fail_after, 100, function()
        outer:cancel()
        trio.sleep(0)
      end)
      raised = e
      error(e, 0)
    end)
    assert.is_true(trio.iserror(raised, "Cancelled"))
    assert.is_true(outer.cancelled_caught)
  end))

  it("rejects negative and NaN durations with ValueError", h.async(function()
    h.raises("ValueError", trio.fail_after, -1, function() end)
    h.raises("ValueError", trio.fail_after, 0 / 0, function() end)
  end))
end)

describe("trio.fail_at", function()
  it("returns fn's results when in time", h.async_mock(function()
    local a, b = trio.fail_at(10, function() trio.sleep(1); return "a", "b" end)
    assert.are.equal("a", a)
    assert.are.equal("b", b)
  end))

  it("raises TooSlowError at the absolute deadline", h.async_mock(function()
    h.raises("TooSlowError", trio.fail_at, 4, trio.sleep, 10)
    assert.are.equal(4, trio.current_time())
  end))

  it("rejects a NaN deadline", h.async(function()
    h.raises("ValueError", trio.fail_at, 0 / 0, function() end)
  end))
end)
