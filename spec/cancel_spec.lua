-- Cancel scopes and checkpoints (API.md §3; TRIO-SEMANTICS §2, §5 items 52-64, 67-70).
local h = require "spec.helper"
local trio = require "ltrio"

local function is_cancelled(e) return trio.iserror(e, "Cancelled") end

describe("async functions (checkpoints)", function()
  it("trio.sleep(0) raises Cancelled in a cancelled scope although it would not block", h.async(function()
    local cs = trio.CancelScope()
    local err
    cs:run(function()
      cs:cancel()
      local ok, e = pcall(trio.sleep, 0)
      assert.is_false(ok)
      err = e
    end)
    assert.is_true(is_cancelled(err))
  end))

  it("raise Cancelled at every checkpoint until the scope is exited (level-triggered)", h.async(function()
    local cs = trio.CancelScope()
    local raised = {}
    local after = false
    cs:run(function()
      cs:cancel()
      for _, f in ipairs { trio.sleep_forever, trio.checkpoint, trio.checkpoint_if_cancelled,
                           function() trio.sleep(0) end, function() trio.sleep(1) end,
                           trio.checkpoint } do
        local ok, e = pcall(f)
        raised[#raised + 1] = (not ok) and is_cancelled(e)
      end
      after = true
    end)
    assert.are.same({ true, true, true, true, true, true }, raised)
    -- every Cancelled was swallowed: code after them ran, the scope caught none
    assert.is_true(after)
    assert.is_true(cs.cancel_called)
    assert.is_false(cs.cancelled_caught)
  end))

  it("checkpoint_if_cancelled returns normally when not cancelled", h.async(function()
    local n = select("#", trio.checkpoint_if_cancelled())
    assert.are.equal(0, n)
  end))

  local async_calls = {
    ["trio.sleep(0)"] = function() trio.sleep(0) end,
    ["trio.sleep(0.001)"] = function() trio.sleep(0.001) end,
    ["trio.checkpoint()"] = function() trio.checkpoint() end,
    ["trio.sleep_until(past)"] = function() trio.sleep_until(trio.current_time() - 10) end,
    ["Event:wait() on a set event"] = function() local e = trio.Event(); e:set(); e:wait() end,
    ["Lock:acquire() on a free lock"] = function() local l = trio.Lock(); l:acquire(); l:release() end,
    ["Semaphore:acquire() with a token"] = function() trio.Semaphore(1):acquire() end,
    ["send on a channel with room"] = function()
      local tx, rx = trio.open_memory_channel(1); tx:send(1); tx:close(); rx:close()
    end,
    ["receive on a channel holding a value"] = function()
      local tx, rx = trio.open_memory_channel(1); tx:send_nowait(1); rx:receive(); tx:close(); rx:close()
    end,
    ["wait_all_tasks_blocked()"] = function() trio.testing.wait_all_tasks_blocked() end,
  }

  for name, f in pairs(async_calls) do
    it(name .. " yields to the scheduler even when it does not block", h.async(function()
      assert.is_true(h.yields(f))
    end))
  end

  it("synchronous functions never yield and never raise Cancelled", h.async(function()
    local cs = trio.CancelScope()
    local ev, lock, sem = trio.Event(), trio.Lock(), trio.Semaphore(1)
    local tx, rx = trio.open_memory_channel(1)
    local yielded = true
    trio.open_nursery(function(nursery)
      cs:run(function()
        cs:cancel()
        yielded = h.yields(function()
          trio.CancelScope()
          trio.Event(); trio.Lock(); trio.Semaphore(2); trio.testing.MockClock()
          local t2, r2 = trio.open_memory_channel(0)
          t2:close(); r2:close()
          trio.CancelScope():cancel()
          ev:set(); ev:is_set()
          lock:acquire_nowait(); lock:locked(); lock:release()
          sem:acquire_nowait(); sem:release()
          tx:send_nowait(1); rx:receive_nowait()
          local tx3 = tx:clone(); tx3:close()
          nursery:start_soon(function() end)
          trio.started()
          trio.current_time()
          trio.current_effective_deadline()
          trio.lowlevel.current_task()
        end)
      end)
    end)
    assert.is_false(yielded)
    tx:close(); rx:close()
  end))

  it("entering and leaving a scope is not a checkpoint", h.async(function()
    assert.is_false(h.yields(function()
      trio.CancelScope():run(function() end)
      trio.move_on_after(10, function() end)
      trio.fail_after(10, function() end)
    end))
  end))

  it("async calls check for cancellation before acting", h.async(function()
    local sem = trio.Semaphore(1)
    local lock = trio.Lock()
    local tx, rx = trio.open_memory_channel(1)
    local tx2, rx2 = trio.open_memory_channel(1)
    tx2:send_nowait("kept")
    local cs = trio.CancelScope()
    cs:run(function()
      cs:cancel()
      h.raises("Cancelled", sem.acquire, sem)
      h.raises("Cancelled", lock.acquire, lock)
      h.raises("Cancelled", tx.send, tx, "lost")
      h.raises("Cancelled", rx2.receive, rx2)
    end)
    assert.are.equal(1, sem.value)
    assert.is_false(lock:locked())
    h.raises("WouldBlock", rx.receive_nowait, rx)
    assert.are.equal("kept", rx2:receive_nowait())
    tx:close(); rx:close(); tx2:close(); rx2:close()
  end))
end)

describe("CancelScope", function()
  it("cs:run returns fn's results (trailing and inner nils included)", h.async(function()
    local r = table.pack(trio.CancelScope():run(function(a, b) return a, nil, b, nil end, 1, 2))
    assert.are.equal(4, r.n)
    assert.are.same({ 1, nil, 2, nil, n = 4 }, r)
  end))

  it("cs:run returns no values when the scope caught the Cancelled", h.async(function()
    local cs = trio.CancelScope()
    local r = table.pack(cs:run(function()
      cs:cancel()
      trio.sleep(0)
      return "unreached"
    end))
    assert.are.equal(0, r.n)
    assert.is_true(cs.cancelled_caught)
  end))

  it("cancel() twice, then a checkpoint: the scope catches it", h.async(function()
    local cs = trio.CancelScope()
    local reached = false
    cs:run(function()
      cs:cancel()
      cs:cancel()
      trio.checkpoint()
      reached = true
    end)
    assert.is_false(reached)
    assert.is_true(cs.cancel_called)
    assert.is_true(cs.cancelled_caught)
  end))

  it("an exited scope's cancel_called stays as it was when its deadline passes later", h.async_mock(function()
    local cs = trio.move_on_after(1, function() end)
    assert.is_false(cs.cancel_called)
    trio.sleep(2)
    assert.is_false(cs.cancel_called)
    local fresh = trio.CancelScope { deadline = trio.current_time() + 1 }
    trio.sleep(2)
    assert.is_true(fresh.cancel_called)  -- not entered yet: the deadline counts (Trio)
  end))

  it("fields start false and the constructor table is optional", h.async(function()
    for _, cs in ipairs { trio.CancelScope(), trio.CancelScope {} } do
      assert.is_false(cs.cancel_called)
      assert.is_false(cs.cancelled_caught)
      assert.is_false(cs.shield)
      assert.are.equal(math.huge, cs.deadline)
    end
    local cs = trio.CancelScope { deadline = trio.current_time() + 100, shield = true }
    assert.is_true(cs.shield)
    assert.is_true(cs.deadline > trio.current_time())
  end))

  it("is caught by the outermost cancelled scope the task can see (s1 > s2 > s3)", h.async(function()
    local s1, s2, s3 = trio.CancelScope(), trio.CancelScope(), trio.CancelScope()
    local after_s2, after_s3 = false, false
    s1:run(function()
      s2:run(function()
        s3:run(function()
          s3:cancel()
          s2:cancel()
          trio.sleep(0)
        end)
        after_s3 = true
      end)
      after_s2 = true
    end)
    assert.is_false(after_s3)
    assert.is_true(after_s2)
    assert.is_true(s2.cancelled_caught)
    assert.is_false(s3.cancelled_caught)
    assert.is_true(s3.cancel_called)
    assert.is_false(s1.cancel_called)
    assert.is_false(s1.cancelled_caught)
  end))

  it("an inner scope cancelled alone catches its own Cancelled", h.async(function()
    local outer, inner = trio.CancelScope(), trio.CancelScope()
    local after = false
    outer:run(function()
      inner:run(function() inner:cancel(); trio.sleep(0) end)
      after = true
      trio.sleep(0)
    end)
    assert.is_true(after)
    assert.is_true(inner.cancelled_caught)
    assert.is_false(outer.cancel_called)
    assert.is_false(outer.cancelled_caught)
  end))

  it("a Cancelled swallowed with pcall is not used up", h.async(function()
    local cs = trio.CancelScope()
    local swallowed, after = false, false
    cs:run(function()
      cs:cancel()
      swallowed = not pcall(trio.sleep, 0)
      trio.sleep(0)   -- raises again
      after = true
    end)
    assert.is_true(swallowed)
    assert.is_false(after)
    assert.is_true(cs.cancelled_caught)
  end))

  it("trio.pcall re-raises Cancelled", h.async(function()
    local cs = trio.CancelScope()
    local after = false
    cs:run(function()
      cs:cancel()
      trio.pcall(trio.sleep, 0)
      after = true
    end)
    assert.is_false(after)
    assert.is_true(cs.cancelled_caught)
  end))

  it("a cancel after the last checkpoint: cancel_called but not cancelled_caught", h.async(function()
    local cs = trio.CancelScope()
    local r = table.pack(cs:run(function()
      trio.sleep(0)
      cs:cancel()
      return "done"
    end))
    assert.are.same({ "done", n = 1 }, r)
    assert.is_true(cs.cancel_called)
    assert.is_false(cs.cancelled_caught)
  end))

  it("cancelled before it is entered, runs its body up to the first checkpoint", h.async(function()
    local cs = trio.CancelScope()
    cs:cancel()
    assert.is_true(cs.cancel_called)
    local steps = {}
    cs:run(function()
      steps[#steps + 1] = "before"
      trio.sleep(0)
      steps[#steps + 1] = "after"
    end)
    assert.are.same({ "before" }, steps)
    assert.is_true(cs.cancelled_caught)
  end))

  it("cancel() after the scope exited is harmless", h.async(function()
    local cs = trio.CancelScope()
    cs:run(trio.sleep, 0)
    cs:cancel()
    cs:cancel()
    assert.is_true(cs.cancel_called)
    assert.is_false(cs.cancelled_caught)
    trio.sleep(0)
  end))

  it("cancel() from another task wakes a task blocked in the scope", h.async(function()
    local cs = trio.CancelScope()
    local woke_by = nil
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        cs:run(function()
          local ok, e = pcall(trio.sleep_forever)
          woke_by = (not ok) and is_cancelled(e) and "Cancelled" or tostring(e)
          error(e, 0)
        end)
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_nil(woke_by)
      cs:cancel()
    end)
    assert.are.equal("Cancelled", woke_by)
    assert.is_true(cs.cancelled_caught)
  end))

  it("cancel() works outside a run", function()
    local cs = trio.CancelScope()
    cs:cancel()
    assert.is_true(cs.cancel_called)
  end)

  it("a scope may be entered only once", h.async(function()
    local cs = trio.CancelScope()
    cs:run(function() end)
    h.raises("RuntimeError", cs.run, cs, function() end)
    local cs2 = trio.CancelScope()
    local inner_ok = nil
    cs2:run(function()
      h.raises("RuntimeError", cs2.run, cs2, function() end)
      inner_ok = true
    end)
    assert.is_true(inner_ok)
  end))

  it("a cancelled scope that was entered again raises RuntimeError, not Cancelled", h.async(function()
    local cs = trio.CancelScope()
    cs:run(function() cs:cancel(); trio.sleep(0) end)
    h.raises("RuntimeError", cs.run, cs, trio.sleep, 0)
  end))

  it("accepts any callable for cs:run", h.async(function()
    local callable = setmetatable({}, { __call = function(self, a) return "called", a end })
    local r = table.pack(trio.CancelScope():run(callable, 7))
    assert.are.same({ "called", 7, n = 2 }, r)
  end))

  it("cs:run re-raises fn's errors unchanged", h.async(function()
    local e = {}
    local ok, got = pcall(function() trio.CancelScope():run(function() error(e) end) end)
    assert.is_false(ok)
    assert.are.equal(e, got)
    local ok2, got2 = pcall(function() trio.CancelScope():run(error, "plain", 0) end)
    assert.is_false(ok2)
    assert.are.equal("plain", got2)
  end))

  it("cancel_called and cancelled_caught are read-only", h.async(function()
    local cs = trio.CancelScope()
    h.raises("AttributeError", function() cs.cancel_called = true end)
    h.raises("AttributeError", function() cs.cancelled_caught = true end)
    assert.is_false(cs.cancel_called)
    assert.is_false(cs.cancelled_caught)
  end))

  it("an unknown field cannot be assigned", function()
    local cs = trio.CancelScope()
    h.raises("AttributeError", function() cs.bogus = 1 end)
  end)

  it("rejects a non-boolean shield (constructor and field)", function()
    h.raises("TypeError", trio.CancelScope, { shield = "yes" })
    h.raises("TypeError", trio.CancelScope, { shield = 1 })
    local cs = trio.CancelScope()
    h.raises("TypeError", function() cs.shield = "yes" end)
    assert.is_false(cs.shield)
  end)

  it("rejects a NaN deadline (constructor and field)", function()
    h.raises("ValueError", trio.CancelScope, { deadline = 0 / 0 })
    local cs = trio.CancelScope()
    h.raises("ValueError", function() cs.deadline = 0 / 0 end)
    local e = h.raises("TypeError", function() cs.deadline = "soon" end)
    assert.are.equal("CancelScope.deadline: bad value (number expected, got string)", e.message)
    assert.are.equal(math.huge, cs.deadline)
  end)

  it("rejects an unknown option key, naming it", function()
    local err = h.raises("TypeError", trio.CancelScope, { dedline = 1 })
    assert.truthy(err.message:find("dedline", 1, true))
  end)
end)

describe("CancelScope.deadline", function()
  it("a deadline already past cancels at the first checkpoint", h.async(function()
    local cs = trio.CancelScope { deadline = trio.current_time() - 1 }
    assert.is_true(cs.cancel_called)
    local steps = {}
    cs:run(function()
      steps[#steps + 1] = 1
      assert.are.equal(-math.huge, trio.current_effective_deadline())
      trio.sleep(0)
      steps[#steps + 1] = 2
    end)
    assert.are.same({ 1 }, steps)
    assert.is_true(cs.cancelled_caught)
  end))

  it("an unentered scope whose deadline is moved into the past is cancelled for good", h.async_mock(function()
    local cs = trio.CancelScope { deadline = trio.current_time() + 1 }
    assert.is_false(cs.cancel_called)
    cs.deadline = cs.deadline - 1
    assert.is_true(cs.cancel_called)
    cs.deadline = cs.deadline + 10
    assert.is_true(cs.cancel_called)
    local after = false
    cs:run(function() trio.sleep(0); after = true end)
    assert.is_false(after)
    assert.is_true(cs.cancelled_caught)
  end))

  it("setting an active scope's deadline into the past cancels at the next checkpoint; cancellation never reverts",
    h.async(function()
      local cs = trio.CancelScope()
      local raised = 0
      cs:run(function()
        trio.sleep(0)
        cs.deadline = trio.current_time() - 1
        if not pcall(trio.sleep, 0) then raised = raised + 1 end
        cs.deadline = math.huge
        assert.is_true(cs.cancel_called)
        if not pcall(trio.sleep, 0) then raised = raised + 1 end
      end)
      assert.are.equal(2, raised)
    end))

  it("an earlier deadline wakes a task sleeping in the scope at once", h.async_mock(function()
    local cs = trio.CancelScope()
    local woke_at
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        cs:run(trio.sleep, 100)
        woke_at = trio.current_time()
      end)
      trio.testing.wait_all_tasks_blocked()
      cs.deadline = trio.current_time() + 1
    end)
    assert.are.equal(1, woke_at)
    assert.is_true(cs.cancelled_caught)
  end))

  it("an earlier deadline wakes a sleeping task (real clock, generous bound)", h.async(function()
    local cs = trio.CancelScope()
    local start = trio.current_time()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() cs:run(trio.sleep_forever) end)
      trio.testing.wait_all_tasks_blocked()
      cs.deadline = trio.current_time() + 0.05
    end)
    assert.is_true(cs.cancelled_caught)
    local elapsed = trio.current_time() - start
    assert.is_true(elapsed >= 0.05 and elapsed < 2, "elapsed " .. elapsed)
  end))

  it("a later deadline lets a sleeping task sleep on", h.async_mock(function()
    local cs = trio.CancelScope { deadline = 1 }
    local woke_at
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        cs:run(trio.sleep, 100)
        woke_at = trio.current_time()
      end)
      trio.testing.wait_all_tasks_blocked()
      cs.deadline = 5
    end)
    assert.are.equal(5, woke_at)
  end))

  it("the deadline field reads back what was set", h.async(function()
    local cs = trio.CancelScope { deadline = 12345.5 }
    assert.are.equal(12345.5, cs.deadline)
    cs.deadline = 7
    assert.are.equal(7, cs.deadline)
    assert.are.equal("float", math.type(cs.deadline))
  end))

  it("a jump of the MockClock past the deadline makes the next checkpoint raise", h.async_mock(function(clock)
    local cs = trio.CancelScope { deadline = trio.current_time() + 5 }
    local after = false
    cs:run(function()
      clock:jump(10)
      trio.checkpoint()
      after = true
    end)
    assert.is_false(after)
    assert.is_true(cs.cancelled_caught)
  end, { autojump_threshold = math.huge }))
end)

describe("trio.current_effective_deadline", function()
  it("is math.huge outside any scope", h.async(function()
    assert.are.equal(math.huge, trio.current_effective_deadline())
  end))

  it("is the minimum over nested scopes, the scope's own under a shield, -math.huge when cancelled",
    h.async_mock(function()
      trio.CancelScope { deadline = 10 }:run(function()
        assert.are.equal(10, trio.current_effective_deadline())
        trio.CancelScope { deadline = 20 }:run(function()
          assert.are.equal(10, trio.current_effective_deadline())
        end)
        trio.CancelScope { deadline = 5 }:run(function()
          assert.are.equal(5, trio.current_effective_deadline())
        end)
        trio.CancelScope { deadline = 20, shield = true }:run(function()
          assert.are.equal(20, trio.current_effective_deadline())
        end)
        trio.CancelScope { shield = true }:run(function()
          assert.are.equal(math.huge, trio.current_effective_deadline())
        end)
        local cs = trio.CancelScope()
        cs:run(function()
          cs:cancel()
          assert.are.equal(-math.huge, trio.current_effective_deadline())
          trio.CancelScope { shield = true, deadline = 30 }:run(function()
            assert.are.equal(30, trio.current_effective_deadline())
          end)
        end)
      end)
    end))
end)

describe("CancelScope.shield", function()
  it("protects against an outer cancel; the outer scope catches at its next checkpoint", h.async(function()
    local outer, inner = trio.CancelScope(), trio.CancelScope { shield = true }
    local inside_ok, after_inner, after_next = false, false, false
    outer:run(function()
      inner:run(function()
        outer:cancel()
        trio.sleep(0)
        trio.checkpoint()
        inside_ok = true
      end)
      after_inner = true
      trio.sleep(0)
      after_next = true
    end)
    assert.is_true(inside_ok)
    assert.is_true(after_inner)
    assert.is_false(after_next)
    assert.is_true(outer.cancelled_caught)
    assert.is_false(inner.cancelled_caught)
  end))

  it("does not block its own cancel or a scope nested inside it", h.async(function()
    local outer = trio.CancelScope()
    local inner = trio.CancelScope { shield = true }
    local nested = trio.CancelScope()
    outer:run(function()
      outer:cancel()
      inner:run(function()
        nested:run(function() nested:cancel(); trio.sleep(0) end)
        assert.is_true(nested.cancelled_caught)
        inner:cancel()
        trio.sleep(0)
      end)
    end)
    assert.is_true(inner.cancelled_caught)
  end))

  it("an outer cancel waits until the shielded part of a task ends", h.async_mock(function()
    local outer = trio.CancelScope()
    local log = {}
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        outer:run(function()
          trio.CancelScope { shield = true }:run(function()
            trio.sleep(1)
            log[#log + 1] = "shield done at " .. trio.current_time()
          end)
          trio.sleep(100)
          log[#log + 1] = "unreached"
        end)
        log[#log + 1] = "caught at " .. trio.current_time()
      end)
      trio.testing.wait_all_tasks_blocked()
      outer:cancel()
    end)
    assert.are.same({ "shield done at 1.0", "caught at 1.0" }, log)
    assert.is_true(outer.cancelled_caught)
  end))

  it("dropping the shield lets an outer cancel in at once", h.async_mock(function()
    local outer, inner = trio.CancelScope(), trio.CancelScope { shield = true }
    local ended_at
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        outer:run(function()
          inner:run(trio.sleep, 100)
        end)
        ended_at = trio.current_time()
      end)
      trio.testing.wait_all_tasks_blocked()
      outer:cancel()
      trio.testing.wait_all_tasks_blocked()
      assert.is_nil(ended_at)
      assert.are.equal(0, trio.current_time())
      inner.shield = false
    end)
    assert.are.equal(0, ended_at)
    assert.is_true(outer.cancelled_caught)
    assert.is_false(inner.cancelled_caught)
  end, { autojump_threshold = math.huge }))

  it("unshielding while the outer scope is cancelled makes the next checkpoint raise", h.async(function()
    local outer = trio.CancelScope()
    local inner = trio.CancelScope { shield = true }
    local steps = {}
    outer:run(function()
      outer:cancel()
      inner:run(function()
        trio.sleep(0)
        steps[#steps + 1] = "shielded"
        inner.shield = false
        trio.sleep(0)
        steps[#steps + 1] = "unreached"
      end)
    end)
    assert.are.same({ "shielded" }, steps)
    assert.is_true(outer.cancelled_caught)
    assert.is_false(inner.cancelled_caught)
  end))

  it("a shield set while an outer Cancelled propagates does not stop it", h.async(function()
    local outer, inner = trio.CancelScope(), trio.CancelScope()
    outer:run(function()
      inner:run(function()
        local guard <close> = setmetatable({}, { __close = function() inner.shield = true end })
        outer:cancel()
        trio.sleep(0)
      end)
    end)
    assert.is_true(outer.cancelled_caught)
    assert.is_false(inner.cancelled_caught)
  end))

  it("a shielded nursery scope that is unshielded aborts its child's sleep at once", h.async_mock(function()
    local outer = trio.CancelScope()
    local child_caught = nil
    outer:run(function()
      trio.open_nursery(function(nursery)
        nursery.cancel_scope.shield = true
        nursery:start_soon(function()
          local ok, e = pcall(trio.sleep, 100)
          child_caught = (not ok) and is_cancelled(e)
          error(e, 0)
        end)
        outer:cancel()
        trio.testing.wait_all_tasks_blocked()
        assert.is_nil(child_caught)
        nursery.cancel_scope.shield = false
      end)
    end)
    assert.is_true(child_caught)
    assert.are.equal(0, trio.current_time())
    assert.is_true(outer.cancelled_caught)
  end, { autojump_threshold = math.huge }))
end)

describe("Cancelled", function()
  it("is an ltrio error whose type is Cancelled, and a __close sees it", h.async(function()
    local cs = trio.CancelScope()
    local seen
    cs:run(function()
      local c <close> = setmetatable({}, { __close = function(_, e) seen = e end })
      cs:cancel()
      trio.sleep(0)
    end)
    assert.are.equal("table", type(seen))
    assert.are.equal("Cancelled", seen.type)
    assert.are.equal(trio.Cancelled, getmetatable(seen))
    assert.truthy(tostring(seen):find("^Cancelled"))
  end))
end)

-- Trio's Cancelled.source, reason and source_task (test_cancelled.py, current Trio).
describe("a Cancelled says what cancelled its scope", function()
  -- The Cancelled that 'fn' raises (plain pcall: a Cancelled is what it looks for).
  local function cancelled_of(fn, ...)
    local ok, err = pcall(fn, ...)
    assert.is_false(ok)
    assert.is_true(is_cancelled(err), tostring(err))
    return err
  end

  it("cancel(reason): source explicit, the reason, the task that called cancel", h.async(function()
    local me = tostring(trio.lowlevel.current_task())
    local cs = trio.CancelScope()
    local err
    cs:run(function()
      cs:cancel("hello")
      err = cancelled_of(trio.lowlevel.checkpoint)
    end)
    assert.are.equal("explicit", err.source)
    assert.are.equal("hello", err.reason)
    assert.are.equal(me, err.source_task)
    assert.are.equal("cancelled due to explicit with reason 'hello' from task " .. me, err.message)
    local bad = h.raises("TypeError", cs.cancel, cs, 42)
    assert.truthy(bad.message:find("'reason'", 1, true), bad.message)
  end))

  it("a deadline: source deadline, no reason and no task", h.async(function()
    local errs = {}
    trio.CancelScope { deadline = -math.huge }:run(function()
      errs[1] = cancelled_of(trio.lowlevel.checkpoint)
    end)
    local cs = trio.CancelScope()
    cs:run(function()
      cs.deadline = -math.huge
      errs[2] = cancelled_of(trio.lowlevel.checkpoint)
    end)
    for _, err in ipairs(errs) do
      assert.are.equal("cancelled due to deadline", err.message)
      assert.are.equal("deadline", err.source)
      assert.is_nil(err.reason)
      assert.is_nil(err.source_task)
    end
  end))

  it("the first cause stays: neither a later deadline nor a later cancel overwrites it", h.async(function()
    local me = tostring(trio.lowlevel.current_task())
    local cs = trio.CancelScope()
    cs:run(function()
      cs:cancel()
      assert.are.equal("cancelled due to explicit from task " .. me, cancelled_of(trio.sleep, 0).message)
      cs.deadline = -math.huge
      assert.are.equal("cancelled due to explicit from task " .. me, cancelled_of(trio.sleep, 0).message)
    end)
    local cs2 = trio.CancelScope()
    cs2:run(function()
      cs2.deadline = -math.huge
      assert.are.equal("cancelled due to deadline", cancelled_of(trio.sleep, 0).message)
      cs2:cancel("late")
      assert.are.equal("cancelled due to deadline", cancelled_of(trio.sleep, 0).message)
    end)
  end))

  it("a child's error: source nursery, naming the error and the child", h.async(function()
    local seen, failing
    local ok = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function() seen = cancelled_of(trio.sleep_forever) end)
      failing = nursery:start(function()
        trio.started(tostring(trio.lowlevel.current_task()))
        trio.testing.wait_all_tasks_blocked()
        trio.socket.socket(-1)   -- raises OSError
      end)
    end)
    assert.is_false(ok)
    assert.are.equal("nursery", seen.source)
    assert.are.equal("a child task raised OSError", seen.reason)
    assert.are.equal(failing, seen.source_task)
  end))

  it("the body's error: source nursery, from the task that opened the nursery", h.async(function()
    local me = tostring(trio.lowlevel.current_task())
    local seen
    pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function() seen = cancelled_of(trio.sleep_forever) end)
      trio.testing.wait_all_tasks_blocked()
      error("boom")
    end)
    assert.are.equal("cancelled due to nursery with reason 'the nursery's body raised an error (a string)' " ..
      "from task " .. me, seen.message)
  end))

  it("the Cancelled a nursery re-raises for an outer scope names that scope's cause", h.async(function()
    local cs = trio.CancelScope()
    local err
    cs:run(function()
      err = cancelled_of(trio.open_nursery, function(nursery)
        nursery:start_soon(trio.sleep_forever)
        trio.testing.wait_all_tasks_blocked()
        cs:cancel("outer")
        trio.sleep_forever()
      end)
    end)
    assert.are.equal("explicit", err.source)
    assert.are.equal("outer", err.reason)
  end))
end)
