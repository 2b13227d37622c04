-- Nurseries and tasks: open_nursery, start_soon, start, trio.started, error
-- propagation, batches, <close> in dying tasks (API.md §4; TRIO-SEMANTICS §3.1-3.3,
-- §5 items 75-92).
local h = require "spec.helper"
local trio = require "ltrio"

local function is_cancelled(e) return trio.iserror(e, "Cancelled") end

describe("trio.open_nursery", function()
  it("returns the body's results", h.async(function()
    local r = table.pack(trio.open_nursery(function(nursery)
      assert.is_not_nil(nursery)
      return 1, nil, "three"
    end))
    assert.are.same({ 1, nil, "three", n = 3 }, r)
  end))

  it("waits for every child", h.async_mock(function()
    local done = {}
    trio.open_nursery(function(nursery)
      for i = 1, 3 do
        nursery:start_soon(function() trio.sleep(i); done[#done + 1] = i end)
      end
    end)
    assert.are.same({ 1, 2, 3 }, done)
    assert.are.equal(3, trio.current_time())
  end))

  it("accepts any callable as the body", h.async(function()
    local body = setmetatable({}, { __call = function(_, nursery) return nursery ~= nil end })
    assert.is_true(trio.open_nursery(body))
  end))

  it("re-raises the body's error", h.async(function()
    local e = {}
    local ok, got = pcall(trio.open_nursery, function() error(e) end)
    assert.is_false(ok)
    assert.are.equal(e, got)
  end))

  it("an empty nursery in a cancelled scope does not raise on exit (a schedule point only)", h.async(function()
    local cs = trio.CancelScope()
    local reached = false
    cs:run(function()
      cs:cancel()
      trio.open_nursery(function() end)
      reached = true
    end)
    assert.is_true(reached)
    assert.is_false(cs.cancelled_caught)
  end))

  it("its end is a schedule point", h.async(function()
    assert.is_true(h.yields(trio.open_nursery, function() end))
  end))

  it("its end waits for children although the parent is cancelled", h.async_mock(function()
    local outer = trio.CancelScope()
    local child_done_at
    outer:run(function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          trio.CancelScope { shield = true }:run(trio.sleep, 5)
          child_done_at = trio.current_time()
        end)
        trio.testing.wait_all_tasks_blocked()
        outer:cancel()
      end)
    end)
    assert.are.equal(5, child_done_at)
    assert.are.equal(5, trio.current_time())
  end))

  it("nursery.cancel_scope:cancel() in the body: the body runs on to its next checkpoint", h.async(function()
    local steps = {}
    local scope
    local r = table.pack(trio.open_nursery(function(nursery)
      scope = nursery.cancel_scope
      nursery:start_soon(trio.sleep_forever)
      nursery.cancel_scope:cancel()
      steps[#steps + 1] = "after cancel"
      trio.sleep(0)
      steps[#steps + 1] = "unreached"
      return "unreached"
    end))
    assert.are.same({ "after cancel" }, steps)
    assert.are.equal(0, r.n)
    assert.is_true(scope.cancelled_caught)
  end))

  it("cancelling it cancels the leaves of nested nurseries", h.async(function()
    local cancelled = 0
    trio.open_nursery(function(nursery)
      for _ = 1, 2 do
        nursery:start_soon(function()
          trio.open_nursery(function(inner)
            for _ = 1, 2 do
              inner:start_soon(function()
                local ok, e = pcall(trio.sleep_forever)
                if not ok and is_cancelled(e) then cancelled = cancelled + 1 end
                error(e, 0)
              end)
            end
          end)
        end)
      end
      trio.testing.wait_all_tasks_blocked()
      nursery.cancel_scope:cancel()
    end)
    assert.are.equal(4, cancelled)
  end))

  it("its children live under the scopes around it: an outer deadline cancels them", h.async_mock(function()
    local seen_deadline, child_cancelled
    local cs = trio.move_on_after(10, function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          seen_deadline = trio.current_effective_deadline()
          local ok, e = pcall(trio.sleep, 100)
          child_cancelled = not ok and is_cancelled(e)
          error(e, 0)
        end)
      end)
    end)
    assert.are.equal(10, seen_deadline)
    assert.is_true(child_cancelled)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(10, trio.current_time())
  end))

  -- Trio's Nursery._add_exc cancels the nursery for any child error, a Cancelled included.
  it("a child that dies of an outer cancellation cancels the nursery", h.async_mock(function()
    local cancel_called
    trio.move_on_after(1, function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(trio.sleep_forever)   -- dies of the move_on's Cancelled at t=1
        trio.CancelScope{shield = true}:run(trio.sleep, 2)
        cancel_called = nursery.cancel_scope.cancel_called
      end)
    end)
    assert.is_true(cancel_called)
    assert.are.equal(2, trio.current_time())   -- the shielded sleep ran to its end
  end))

  it("so a body that no longer sees the outer cancellation is cancelled by the nursery", h.async_mock(function()
    local outer, mid = trio.CancelScope(), trio.CancelScope{deadline = 100}
    local returned = false
    outer:run(function()
      mid:run(function()
        trio.open_nursery(function(nursery)
          nursery:start_soon(trio.sleep_forever)
          trio.sleep(1)
          outer:cancel()      -- the child dies of it at its next step
          mid.shield = true   -- the body no longer sees outer's cancellation
          trio.sleep(5)       -- but the nursery's own: cancelled at t=1
        end)
        returned = true
      end)
    end)
    -- as Trio: the nursery's scope caught it (the outer one was hidden by the shield)
    assert.is_true(returned)
    assert.are.equal(1, trio.current_time())
    assert.is_false(outer.cancelled_caught)
    assert.is_false(mid.cancelled_caught)
  end))

  it("nursery.cancel_scope.deadline cancels the nursery when it passes", h.async_mock(function()
    local scope
    local r = table.pack(trio.open_nursery(function(nursery)
      scope = nursery.cancel_scope
      nursery.cancel_scope.deadline = trio.current_time() + 3
      nursery:start_soon(trio.sleep_forever)
      trio.sleep_forever()
    end))
    assert.are.equal(0, r.n)
    assert.is_true(scope.cancelled_caught)
    assert.are.equal(3, trio.current_time())
  end))

  it("when only Cancelled errors remain, re-raises one so the outer scope catches it", h.async(function()
    local outer = trio.CancelScope()
    local after_nursery = false
    local nscope
    outer:run(function()
      trio.open_nursery(function(nursery)
        nscope = nursery.cancel_scope
        nursery:start_soon(trio.sleep_forever)
        nursery:start_soon(trio.sleep_forever)
        trio.testing.wait_all_tasks_blocked()
        outer:cancel()
        trio.sleep_forever()
      end)
      after_nursery = true
    end)
    assert.is_false(after_nursery)
    assert.is_true(outer.cancelled_caught)
    assert.is_false(nscope.cancelled_caught)
  end))
end)

-- A Cancelled dropped beside real errors still counts for the scope that catches it
-- (Trio's scope splits it out of the group): cancelled_caught is set there while the
-- errors go on (TRIO-SEMANTICS §2.4).
describe("trio.open_nursery: a Cancelled dropped beside errors", function()
  -- A child that fails while it is being cancelled.
  local function fails_when_cancelled(msg)
    return function()
      local _ <close> = setmetatable({}, { __close = function() error(msg, 0) end })
      trio.sleep_forever()
    end
  end

  it("sets cancelled_caught on the expired outer scope, not on the nursery's", h.async_mock(function()
    local nscope
    local cs = trio.CancelScope { deadline = trio.current_time() + 1 }
    local ok, err = pcall(cs.run, cs, trio.open_nursery, function(nursery)
      nscope = nursery.cancel_scope
      nursery:start_soon(fails_when_cancelled("cleanup failed"))
      trio.sleep_forever()
    end)
    assert.is_false(ok)
    assert.are.equal("cleanup failed", err)
    assert.is_true(cs.cancelled_caught)
    assert.is_true(nscope.cancel_called)
    assert.is_false(nscope.cancelled_caught)
  end))

  it("with an ErrorGroup after an outer cancel()", h.async(function()
    local outer = trio.CancelScope()
    local ok, err = pcall(outer.run, outer, trio.open_nursery, function(nursery)
      nursery:start_soon(fails_when_cancelled("one"))
      nursery:start_soon(fails_when_cancelled("two"))
      trio.testing.wait_all_tasks_blocked()
      outer:cancel()
      trio.sleep_forever()
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ErrorGroup"))
    assert.are.equal(2, #err.errors)
    assert.is_true(outer.cancelled_caught)
  end))

  it("through a nursery around it, from the body and from a child task", h.async(function()
    for _, where in ipairs { "body", "child" } do
      local outer = trio.CancelScope()
      local function inner_nursery()
        trio.open_nursery(function(nursery)
          nursery:start_soon(fails_when_cancelled("deep"))
          trio.testing.wait_all_tasks_blocked()
          outer:cancel()
          trio.sleep_forever()
        end)
      end
      local ok, err = pcall(outer.run, outer, trio.open_nursery, function(nursery)
        if where == "body" then inner_nursery() end
        nursery:start_soon(inner_nursery)
        trio.sleep_forever()
      end)
      assert.is_false(ok, where)
      assert.is_truthy(err == "deep" or trio.iserror(err, "ErrorGroup"), where)
      assert.is_true(outer.cancelled_caught, where)
    end
  end))

  it("trio.pcall lets such an error through (Trio's except Exception does not catch the group)", h.async(function()
    local cs = trio.CancelScope()
    local ok, err = pcall(cs.run, cs, function()
      trio.pcall(trio.open_nursery, function(nursery)
        nursery:start_soon(fails_when_cancelled("not swallowed"))
        trio.testing.wait_all_tasks_blocked()
        cs:cancel()
        trio.sleep_forever()
      end)
      error("never reached", 0)
    end)
    assert.is_false(ok)
    assert.are.equal("not swallowed", err)
    assert.is_true(cs.cancelled_caught)
  end))

  it("for the scope that catches it when the error leaves, once", h.async(function()
    -- the carried Cancelled stops at 'outer': the inner scope, not cancelled, lets it by
    local outer, inner = trio.CancelScope(), trio.CancelScope()
    local ok, err = pcall(outer.run, outer, function()
      inner:run(trio.open_nursery, function(nursery)
        nursery:start_soon(fails_when_cancelled("same"))
        trio.testing.wait_all_tasks_blocked()
        outer:cancel()
        trio.sleep_forever()
      end)
    end)
    assert.is_false(ok)
    assert.are.equal("same", err)
    assert.is_false(inner.cancelled_caught)
    assert.is_true(outer.cancelled_caught)
    -- which scope catches is decided as the error leaves: 'y', cancelled after the
    -- nursery ended, catches it instead of 'x' (as Trio)
    local x, y = trio.CancelScope(), trio.CancelScope()
    ok, err = pcall(y.run, y, function()
      x:run(function()
        local _, e = pcall(trio.open_nursery, function(nursery)
          nursery:start_soon(fails_when_cancelled("later"))
          trio.testing.wait_all_tasks_blocked()
          x:cancel()
          trio.sleep_forever()
        end)
        y:cancel()
        error(e, 0)
      end)
    end)
    assert.are.same({ false, "later" }, { ok, err })
    assert.is_false(x.cancelled_caught)
    assert.is_true(y.cancelled_caught)
    -- a scope that catches ends the carry however it is left: afterwards an equal error
    -- is an ordinary one for trio.pcall and for every scope
    local z = trio.CancelScope()
    z:run(function()
      pcall(trio.open_nursery, function(nursery)
        nursery:start_soon(fails_when_cancelled("swallowed"))
        trio.testing.wait_all_tasks_blocked()
        z:cancel()
        trio.sleep_forever()
      end)
    end)
    assert.are.same({ false, "swallowed" }, { trio.pcall(error, "swallowed", 0) })
    local w = trio.CancelScope()
    pcall(w.run, w, function() w:cancel(); error("swallowed", 0) end)
    assert.is_false(w.cancelled_caught)
  end))

  it("a shielded cleanup scope that catches its own deadline leaves the carry alone", h.async(function()
    -- cleanup with a timeout while the error unwinds (a <close> handler), or after it was
    -- caught and before it is raised again: 'x' still catches the Cancelled (as Trio)
    local function carried(cs, msg)
      return function()
        trio.open_nursery(function(nursery)
          nursery:start_soon(trio.sleep_forever)
          cs:cancel()
          error(msg, 0)
        end)
      end
    end
    local function cleanup() trio.CancelScope { shield = true, deadline = trio.current_time() + 0.01 }:run(trio.sleep, 1) end
    local x = trio.CancelScope()
    local ok, err = pcall(x.run, x, function()
      local _ <close> = setmetatable({}, { __close = cleanup })
      carried(x, "unwinding")()
    end)
    assert.are.same({ false, "unwinding", true }, { ok, err, x.cancelled_caught })
    local y = trio.CancelScope()
    ok, err = pcall(y.run, y, function()
      local _, e = pcall(carried(y, "re-raised"))
      cleanup()
      error(e, 0)
    end)
    assert.are.same({ false, "re-raised", true }, { ok, err, y.cancelled_caught })
  end))

  it("a nursery that catches its own cancellation still sets its flag", h.async(function()
    local nscope
    local outer = trio.CancelScope()
    local ok, err = pcall(outer.run, outer, trio.open_nursery, function(nursery)
      nscope = nursery.cancel_scope
      nursery:start_soon(error, "child failed", 0)
      trio.sleep_forever()
    end)
    assert.is_false(ok)
    assert.are.equal("child failed", err)
    assert.is_true(nscope.cancelled_caught)
    assert.is_false(outer.cancelled_caught)
  end))
end)

describe("nursery:start_soon", function()
  it("passes the arguments to the child", h.async(function()
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function(...) got = table.pack(...) end, 1, nil, "x")
    end)
    assert.are.same({ 1, nil, "x", n = 3 }, got)
  end))

  it("children have not run before the parent's first yield", h.async(function()
    local ran = {}
    trio.open_nursery(function(nursery)
      for i = 1, 3 do nursery:start_soon(function() ran[#ran + 1] = i end) end
      assert.are.equal(0, #ran)
      trio.sleep(0)
      assert.are.equal(3, #ran)
    end)
  end))

  it("accepts any callable", h.async(function()
    local got
    local callable = setmetatable({}, { __call = function(_, v) got = v end })
    trio.open_nursery(function(nursery) nursery:start_soon(callable, "v") end)
    assert.are.equal("v", got)
  end))

  -- Between the last child's end and the parent's next step, another task may run: the
  -- nursery is closed already (Trio); a task started then was lost, with its errors.
  it("is closed to new arrivals as soon as the body and every child are done", h.async(function()
    local inner
    local soon, start
    trio.open_nursery(function(outer)
      outer:start_soon(function()
        while not inner do trio.sleep(0) end
        soon = table.pack(pcall(inner.start_soon, inner, trio.sleep, 0))
        start = table.pack(pcall(inner.start, inner, function() trio.started() end))
      end)
      outer:start_soon(function()
        trio.sleep(0)
        trio.open_nursery(function(n) inner = n end)
      end)
    end)
    assert.is_false(soon[1])
    assert.is_true(trio.iserror(soon[2], "RuntimeError"), h.describe(soon[2]))
    assert.is_false(start[1])
    assert.is_true(trio.iserror(start[2], "RuntimeError"), h.describe(start[2]))
  end))

  it("every function taking a function accepts a callable whose metatable is protected", h.async(function()
    local calls = 0
    local callable = setmetatable({}, { __call = function() calls = calls + 1 end, __metatable = "locked" })
    trio.open_nursery(function(nursery) nursery:start_soon(callable) end)
    trio.move_on_after(1, callable)
    trio.CancelScope():run(callable)
    trio.open_nursery(callable)
    assert.are.equal(4, calls)
  end))

  it("a child may start_soon into the nursery while the parent waits at its end", h.async(function()
    local log = {}
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        trio.sleep(0)
        nursery:start_soon(function() trio.sleep(0); log[#log + 1] = "grandchild" end)
        log[#log + 1] = "child"
      end)
    end)
    assert.are.same({ "child", "grandchild" }, log)
  end))

  it("a closed nursery refuses new tasks with RuntimeError", h.async(function()
    local saved
    trio.open_nursery(function(nursery) saved = nursery end)
    local ran = false
    h.raises("RuntimeError", saved.start_soon, saved, function() ran = true end)
    h.raises("RuntimeError", saved.start, saved, function() ran = true end)
    trio.sleep(0)
    assert.is_false(ran)
  end))

  it("a task started in a cancelled nursery runs until its first checkpoint", h.async(function()
    local steps = {}
    trio.open_nursery(function(nursery)
      nursery.cancel_scope:cancel()
      nursery:start_soon(function()
        steps[#steps + 1] = "started"
        trio.sleep(0)
        steps[#steps + 1] = "unreached"
      end)
    end)
    assert.are.same({ "started" }, steps)
  end))
end)

describe("trio.open_nursery errors", function()
  it("a child's error cancels its siblings and the body and is re-raised", h.async(function()
    local e = setmetatable({}, { __tostring = function() return "custom error" end })
    local sibling_cancelled, body_cancelled = false, false
    local ok, got = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function()
        local ok2, err = pcall(trio.sleep_forever)
        sibling_cancelled = not ok2 and is_cancelled(err)
        error(err, 0)
      end)
      nursery:start_soon(function()
        trio.testing.wait_all_tasks_blocked()
        error(e)
      end)
      local ok3, err = pcall(trio.sleep_forever)
      body_cancelled = not ok3 and is_cancelled(err)
      error(err, 0)
    end)
    assert.is_false(ok)
    assert.are.equal(e, got)
    assert.is_true(sibling_cancelled)
    assert.is_true(body_cancelled)
  end))

  it("a string error comes out unchanged", h.async(function()
    local ok, got = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(error, "plain", 0)
    end)
    assert.is_false(ok)
    assert.are.equal("plain", got)
  end))

  it("two errors become an ErrorGroup holding both, in the order raised", h.async(function()
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function()
        pcall(trio.sleep_forever)   -- woken by the first error, then fails too
        error("second", 0)
      end)
      nursery:start_soon(function()
        trio.testing.wait_all_tasks_blocked()
        error("first", 0)
      end)
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ErrorGroup"))
    assert.are.equal("ErrorGroup", err.type)
    assert.are.same({ "first", "second" }, err.errors)
    assert.are.equal("ErrorGroup: 2 errors: first; second", tostring(err))
  end))

  it("an ErrorGroup's tostring joins tostring of each error, ltrio errors included", h.async(function()
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function() pcall(trio.sleep_forever); trio.sleep("x") end)
      nursery:start_soon(function() pcall(trio.sleep_forever); error("plain", 0) end)
      nursery:start_soon(function() trio.testing.wait_all_tasks_blocked(); trio.sleep(-1) end)
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ErrorGroup"))
    assert.are.equal(3, #err.errors)
    assert.is_true(trio.iserror(err.errors[1], "ValueError"))
    local parts = {}
    for i, e in ipairs(err.errors) do parts[i] = tostring(e) end
    assert.are.equal("ErrorGroup: 3 errors: " .. table.concat(parts, "; "), tostring(err))
    assert.is_false(trio.iserror(err, "ValueError"))
  end))

  it("the body's error and a child's error make a group", h.async(function()
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function() error("child", 0) end)
      pcall(trio.sleep_forever)
      error("body", 0)
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ErrorGroup"))
    assert.are.same({ "child", "body" }, err.errors)
  end))

  it("the body sleeping forever is woken when a child crashes", h.async(function()
    local after = false
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function() trio.sleep(0); error("crash", 0) end)
      trio.sleep_forever()
      after = true
    end)
    assert.is_false(ok)
    assert.are.equal("crash", err)
    assert.is_false(after)
  end))

  it("an ErrorGroup never holds a Cancelled and nested groups are not flattened", h.async(function()
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function()
        trio.open_nursery(function(inner)
          inner:start_soon(function() pcall(trio.sleep_forever); error("b", 0) end)
          inner:start_soon(function() trio.testing.wait_all_tasks_blocked(); error("a", 0) end)
        end)
      end)
      nursery:start_soon(function()
        pcall(trio.sleep_forever)
        error("c", 0)
      end)
      nursery:start_soon(trio.sleep_forever)   -- only cancelled
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ErrorGroup"))
    assert.are.equal(2, #err.errors)
    local inner = err.errors[1]
    assert.is_true(trio.iserror(inner, "ErrorGroup"))
    assert.are.same({ "a", "b" }, inner.errors)
    assert.are.equal("c", err.errors[2])
    for _, e in ipairs(err.errors) do assert.is_false(trio.iserror(e, "Cancelled")) end
  end))

  it("an error object that escapes a task carries the task's traceback", h.async(function()
    local line
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function()
        line = debug.getinfo(1, "l").currentline + 1
        trio.sleep(-1)
      end)
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ValueError"))
    assert.are.equal("string", type(err.traceback))
    assert.truthy(err.traceback:find("nursery_spec.lua:" .. line, 1, true),
      "traceback lacks the raising line: " .. err.traceback)
  end))

  it("a value that is not an ltrio error is not modified", h.async(function()
    local e = { "mine" }
    local ok, got = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function() error(e) end)
    end)
    assert.is_false(ok)
    assert.are.equal(e, got)
    assert.is_nil(rawget(got, "traceback"))
    assert.are.same({ "mine" }, got)
  end))
end)

describe("tasks: <close> variables of a dying task", function()
  it("run when a task fails, even when they checkpoint", h.async(function()
    local log = {}
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start_soon(function()
        local c <close> = setmetatable({}, { __close = function(_, e)
          trio.sleep(0)
          log[#log + 1] = "closed with " .. tostring(e)
        end })
        trio.sleep(0)
        error("failed", 0)
      end)
    end)
    assert.is_false(ok)
    assert.are.equal("failed", err)
    assert.are.same({ "closed with failed" }, log)
  end))

  it("run when a task is cancelled, and may checkpoint under a shield", h.async(function()
    local log = {}
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        local c <close> = setmetatable({}, { __close = function(_, e)
          trio.CancelScope { shield = true }:run(function()
            trio.sleep(0)
            trio.sleep(0)
          end)
          log[#log + 1] = is_cancelled(e) and "closed by Cancelled" or ("closed by " .. tostring(e))
        end })
        trio.sleep_forever()
      end)
      trio.testing.wait_all_tasks_blocked()
      nursery.cancel_scope:cancel()
    end)
    assert.are.same({ "closed by Cancelled" }, log)
  end))

  it("run in every task of a nursery unwound by a sibling's error", h.async(function()
    local closed = 0
    local ok = pcall(trio.open_nursery, function(nursery)
      for _ = 1, 5 do
        nursery:start_soon(function()
          local c <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
          trio.sleep_forever()
        end)
      end
      trio.testing.wait_all_tasks_blocked()
      error("boom", 0)
    end)
    assert.is_false(ok)
    assert.are.equal(5, closed)
  end))
end)

describe("nursery:start", function()
  it("returns every value given to trio.started", h.async(function()
    trio.open_nursery(function(nursery)
      local r = table.pack(nursery:start(function(a)
        trio.sleep(0)
        trio.started(a, nil, "c")
        trio.sleep(0)
      end, "a"))
      assert.are.same({ "a", nil, "c", n = 3 }, r)
    end)
  end))

  it("returns after the child's delay, and the child then runs in the nursery", h.async_mock(function()
    local finished_at
    trio.open_nursery(function(nursery)
      local v = nursery:start(function()
        trio.sleep(2)
        trio.started("ready")
        trio.sleep(3)
        finished_at = trio.current_time()
      end)
      assert.are.equal("ready", v)
      assert.are.equal(2, trio.current_time())
      assert.is_nil(finished_at)
    end)
    assert.are.equal(5, finished_at)
  end))

  it("re-raises an error raised before started, unchanged", h.async(function()
    local e = {}
    local errs = {}
    trio.open_nursery(function(nursery)
      local ok, got = pcall(nursery.start, nursery, function() trio.sleep(0); error(e) end)
      errs[1] = (not ok) and got
      local ok2, got2 = pcall(nursery.start, nursery, function() trio.sleep(-1) end)
      errs[2] = (not ok2) and got2
    end)
    assert.are.equal(e, errs[1])
    assert.is_true(trio.iserror(errs[2], "ValueError"))
  end))

  it("raises RuntimeError when fn returns without calling started", h.async(function()
    trio.open_nursery(function(nursery)
      h.raises("RuntimeError", nursery.start, nursery, function() trio.sleep(0) end)
      h.raises("RuntimeError", nursery.start, nursery, function() end)
    end)
  end))

  it("later calls of started do nothing", h.async(function()
    trio.open_nursery(function(nursery)
      local v = nursery:start(function()
        trio.started(1)
        trio.started(2)
        trio.sleep(0)
        trio.started(3)
      end)
      assert.are.equal(1, v)
    end)
  end))

  it("trio.started in a task not begun by start does nothing", h.async(function()
    trio.started("main")
    local reached = false
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        trio.started("child")
        trio.sleep(0)
        reached = true
      end)
    end)
    assert.is_true(reached)
  end))

  it("trio.started in a child of the started task does nothing", h.async(function()
    trio.open_nursery(function(nursery)
      local v = nursery:start(function()
        trio.open_nursery(function(inner)
          inner:start_soon(function() trio.started("grandchild") end)
        end)
        trio.started("child")
      end)
      assert.are.equal("child", v)
    end)
  end))

  it("after started, cancelling the scope around start does not affect the child", h.async(function()
    local child_done = false
    local cs = trio.CancelScope()
    trio.open_nursery(function(nursery)
      cs:run(function()
        nursery:start(function()
          trio.started()
          for _ = 1, 3 do trio.sleep(0) end
          child_done = true
        end)
        cs:cancel()
        trio.sleep(0)
      end)
    end)
    assert.is_true(cs.cancelled_caught)
    assert.is_true(child_done)
  end))

  it("a child's error after started comes out of the nursery, not from start", h.async(function()
    local returned = false
    local ok, err = pcall(trio.open_nursery, function(nursery)
      nursery:start(function()
        trio.started()
        trio.sleep(0)
        error("late", 0)
      end)
      returned = true
      trio.sleep_forever()
    end)
    assert.is_true(returned)
    assert.is_false(ok)
    assert.are.equal("late", err)
  end))

  it("in a cancelled scope raises Cancelled even when the child calls started", h.async(function()
    local cs = trio.CancelScope()
    local after = false
    trio.open_nursery(function(nursery)
      cs:run(function()
        cs:cancel()
        nursery:start(function()
          trio.started("hi")
          trio.sleep(0)
        end)
        after = true
      end)
    end)
    assert.is_false(after)
    assert.is_true(cs.cancelled_caught)
  end))

  it("started does nothing while the caller of start is cancelled: the child stays under start", h.async(function()
    local cs = trio.CancelScope()
    local child_cancelled, after_start = nil, false
    trio.open_nursery(function(nursery)
      cs:run(function()
        nursery:start(function()
          cs:cancel()
          trio.started("ignored")
          local ok, e = pcall(trio.sleep, 0)
          child_cancelled = not ok and is_cancelled(e)
          error(e, 0)
        end)
        after_start = true
      end)
    end)
    assert.is_true(child_cancelled)
    assert.is_false(after_start)
    assert.is_true(cs.cancelled_caught)
  end))

  it("keeps the target nursery open while a start is pending", h.async_mock(function()
    local exited_at
    local fn_running = trio.Event()
    trio.open_nursery(function(outer)
      trio.open_nursery(function(target)
        outer:start_soon(function()
          target:start(function()
            fn_running:set()
            trio.sleep(6)
            trio.started()
            trio.sleep(1)
          end)
        end)
        fn_running:wait()
      end)
      exited_at = trio.current_time()
    end)
    assert.are.equal(7, exited_at)
  end))

  it("accepts any callable", h.async(function()
    local callable = setmetatable({}, { __call = function(_, a) trio.started(a + 1) end })
    trio.open_nursery(function(nursery)
      assert.are.equal(2, nursery:start(callable, 1))
    end)
  end))
end)

describe("nursery:start_soon scheduling (batches)", function()
  it("two looping tasks interleave batch by batch: {a0,b0},{a1,b1},{a2,b2}", h.async(function()
    local log = {}
    trio.open_nursery(function(nursery)
      for _, name in ipairs { "a", "b" } do
        nursery:start_soon(function()
          for i = 0, 2 do
            log[#log + 1] = name .. i
            trio.checkpoint()
          end
        end)
      end
    end)
    assert.are.equal(6, #log)
    for i = 0, 2 do
      local pair = { log[2 * i + 1], log[2 * i + 2] }
      table.sort(pair)
      assert.are.same({ "a" .. i, "b" .. i }, pair)
    end
  end))

  it("a task made runnable during a batch runs in the next batch", h.async(function()
    local log = {}
    local ev = trio.Event()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() ev:wait(); log[#log + 1] = "waiter" end)
      nursery:start_soon(function()
        trio.testing.wait_all_tasks_blocked()
        ev:set()
        log[#log + 1] = "setter"
        trio.checkpoint()
        log[#log + 1] = "setter again"
      end)
    end)
    assert.are.equal("setter", log[1])
    -- the waiter and the setter's next step share a batch: either order
    local rest = { log[2], log[3] }
    table.sort(rest)
    assert.are.same({ "setter again", "waiter" }, rest)
  end))
end)

describe("nursery:start into a cancelled nursery", function()
  -- The started task moves under the target's cancelled scope: what waits below it is
  -- cancelled then, as Trio recomputes cancellation when a task moves.
  it("cancels the started task's waiting children when started() moves it", h.async(function()
    local got
    trio.open_nursery(function(target)
      target.cancel_scope:cancel()
      trio.CancelScope { shield = true }:run(function()
        got = target:start(function()
          trio.open_nursery(function(m)
            m:start_soon(trio.sleep_forever)
            trio.testing.wait_all_tasks_blocked()
            trio.started("v")
          end)
        end)
      end)
    end)
    assert.are.equal("v", got)
  end))
end)
