-- Event, Lock, StrictFIFOLock, Semaphore, CapacityLimiter, Condition and statistics()
-- (API.md §4; TRIO-SEMANTICS §3.5, §5 items 93-95; Trio's _sync.py where API.md is silent).
local h = require "spec.helper"
local trio = require "ltrio"

local function is_cancelled(e) return trio.iserror(e, "Cancelled") end

-- The errors of lock-like 'obj' name its class 'cls'; its messages call the lock 'held'.
local function assert_lock_errors(obj, cls, held)
  assert.equal(cls .. ":release: can't release a " .. held .. " you don't own",
    h.raises("RuntimeError", obj.release, obj).message)
  obj:acquire()
  assert.equal(cls .. ":acquire_nowait: attempt to re-acquire an already held " .. held,
    h.raises("RuntimeError", obj.acquire_nowait, obj).message)
  assert.equal(cls .. ":acquire: attempt to re-acquire an already held " .. held,
    h.raises("RuntimeError", obj.acquire, obj).message)
  trio.open_nursery(function(nursery)
    nursery:start_soon(function()
      assert.equal(cls .. ":acquire_nowait: the lock is held",
        h.raises("WouldBlock", obj.acquire_nowait, obj).message)
    end)
  end)
  obj:release()
end

describe("trio.Event", function()
  it("starts unset; set() sets it and is idempotent", function()
    local ev = trio.Event()
    assert.is_false(ev:is_set())
    ev:set()
    assert.is_true(ev:is_set())
    ev:set()
    assert.is_true(ev:is_set())
  end)

  it("set() wakes every waiter", h.async(function()
    local ev = trio.Event()
    local woke = 0
    trio.open_nursery(function(nursery)
      for _ = 1, 3 do
        nursery:start_soon(function() ev:wait(); woke = woke + 1 end)
      end
      trio.testing.wait_all_tasks_blocked()
      assert.are.equal(0, woke)
      ev:set()
      ev:set()
    end)
    assert.are.equal(3, woke)
  end))

  it("wait() blocks until set", h.async(function()
    assert.is_true(h.blocks(function() trio.Event():wait() end))
  end))

  it("wait() on a set event does not block but still checkpoints", h.async(function()
    local ev = trio.Event()
    ev:set()
    assert.is_false(h.blocks(ev.wait, ev))
    assert.is_true(h.yields(ev.wait, ev))
    local cs = trio.CancelScope()
    cs:run(function()
      cs:cancel()
      ev:wait()
    end)
    assert.is_true(cs.cancelled_caught)
  end))

  it("a blocked wait() is cancellable", h.async_mock(function()
    local ev = trio.Event()
    local cs = trio.move_on_after(1, ev.wait, ev)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(1, trio.current_time())
    -- the cancelled waiter is gone: a later set wakes nobody and breaks nothing
    ev:set()
    ev:wait()
  end))

  it("set() and is_set() are synchronous: no schedule point", h.async(function()
    local ev = trio.Event()
    assert.is_false(h.yields(function() ev:set(); ev:is_set() end))
  end))
end)

describe("trio.Lock", function()
  it("acquire() returns the lock; <close> releases it", h.async(function()
    local lock = trio.Lock()
    assert.is_false(lock:locked())
    do
      local held <close> = lock:acquire()
      assert.are.equal(lock, held)
      assert.is_true(lock:locked())
    end
    assert.is_false(lock:locked())
  end))

  it("acquire_nowait() takes a free lock; release() frees it", h.async(function()
    local lock = trio.Lock()
    lock:acquire_nowait()
    assert.is_true(lock:locked())
    lock:release()
    assert.is_false(lock:locked())
  end))

  it("acquire_nowait() on a lock held by another task raises WouldBlock", h.async(function()
    local lock = trio.Lock()
    local release = trio.Event()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        lock:acquire()
        release:wait()
        lock:release()
      end)
      trio.testing.wait_all_tasks_blocked()
      h.raises("WouldBlock", lock.acquire_nowait, lock)
      release:set()
    end)
    assert.is_false(lock:locked())
  end))

  it("the owner acquiring again raises RuntimeError", h.async(function()
    local lock = trio.Lock()
    lock:acquire()
    h.raises("RuntimeError", lock.acquire_nowait, lock)
    h.raises("RuntimeError", lock.acquire, lock)
    assert.is_true(lock:locked())
    lock:release()
  end))

  it("releasing a lock one does not hold raises RuntimeError", h.async(function()
    local lock = trio.Lock()
    h.raises("RuntimeError", lock.release, lock)
    local release = trio.Event()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        lock:acquire()
        release:wait()
        lock:release()
      end)
      trio.testing.wait_all_tasks_blocked()
      h.raises("RuntimeError", lock.release, lock)
      assert.is_true(lock:locked())
      release:set()
    end)
  end))

  it("acquire() blocks while the lock is held and hands it over on release", h.async(function()
    local lock = trio.Lock()
    local log = {}
    lock:acquire()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        lock:acquire()
        log[#log + 1] = "child has it"
        lock:release()
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({}, log)
      lock:release()
      -- ownership went straight to the waiter: nobody else can take it now
      h.raises("WouldBlock", lock.acquire_nowait, lock)
    end)
    assert.are.same({ "child has it" }, log)
    assert.is_false(lock:locked())
  end))

  it("waiters get the lock in the order they asked (fair)", h.async(function()
    local lock = trio.Lock()
    local order = {}
    lock:acquire()
    trio.open_nursery(function(nursery)
      for i = 1, 4 do
        nursery:start_soon(function()
          local _ <close> = lock:acquire()
          order[#order + 1] = i
          trio.sleep(0)
        end)
        trio.testing.wait_all_tasks_blocked()
      end
      lock:release()
    end)
    assert.are.same({ 1, 2, 3, 4 }, order)
  end))

  it("waiters get BrokenResourceError when the owner exits while holding it (as Trio)", h.async(function()
    local lock = trio.Lock()
    local err
    trio.open_nursery(function(nursery)
      local gone = trio.Event()
      nursery:start_soon(function()
        lock:acquire()
        trio.testing.wait_all_tasks_blocked()
        gone:set()
      end)
      nursery:start_soon(function()
        trio.sleep(0)
        local ok, e = pcall(lock.acquire, lock)
        err = e
      end)
      gone:wait()
      -- once nothing can move any more, a waiter still parked is cancelled
      trio.testing.wait_all_tasks_blocked()
      nursery.cancel_scope:cancel()
    end)
    assert.is_true(trio.iserror(err, "BrokenResourceError"), "the waiter got " .. h.describe(err))
  end))

  it("an owner that exits holding it keeps it for good: locked(), WouldBlock, Broken (Trio main)", h.async(function()
    local lock = trio.Lock()
    trio.open_nursery(function(nursery) nursery:start_soon(function() lock:acquire() end) end)
    assert.is_true(lock:locked())
    h.raises("WouldBlock", lock.acquire_nowait, lock)
    local e = h.raises("BrokenResourceError", lock.acquire, lock)
    assert.matches("^Owner of this lock exited without releasing: .*sync_spec.lua:%d+$", e.message)
    h.raises("RuntimeError", lock.release, lock)
  end))

  it("a cancelled acquire() does not take the lock", h.async(function()
    local lock = trio.Lock()
    local cs = trio.CancelScope()
    cs:run(function() cs:cancel(); lock:acquire() end)
    assert.is_true(cs.cancelled_caught)
    assert.is_false(lock:locked())
  end))

  it("a blocked acquire() is cancellable and leaves the queue", h.async_mock(function()
    local lock = trio.Lock()
    local release = trio.Event()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        lock:acquire()
        release:wait()
        lock:release()
      end)
      trio.testing.wait_all_tasks_blocked()
      local cs = trio.move_on_after(1, lock.acquire, lock)
      assert.is_true(cs.cancelled_caught)
      assert.are.equal(1, trio.current_time())
      release:set()
    end)
    -- the cancelled waiter did not get the lock handed over
    assert.is_false(lock:locked())
    lock:acquire_nowait()
    lock:release()
  end))

  it("acquire() is a checkpoint even when the lock is free", h.async(function()
    local lock = trio.Lock()
    assert.is_true(h.yields(function() lock:acquire() end))
    lock:release()
  end))
end)

describe("trio.Semaphore", function()
  it("has a read-only value field", function()
    local sem = trio.Semaphore(2)
    assert.are.equal(2, sem.value)
    assert.are.equal("integer", math.type(sem.value))
    h.raises("AttributeError", function() sem.value = 5 end)
    assert.are.equal(2, sem.value)
  end)

  it("acquire() takes a token and returns the semaphore; <close> gives it back", h.async(function()
    local sem = trio.Semaphore(2)
    do
      local s <close> = sem:acquire()
      assert.are.equal(sem, s)
      assert.are.equal(1, sem.value)
    end
    assert.are.equal(2, sem.value)
  end))

  it("acquire_nowait() and release() work outside a run", function()
    local sem = trio.Semaphore(1)
    sem:acquire_nowait()
    assert.are.equal(0, sem.value)
    h.raises("WouldBlock", sem.acquire_nowait, sem)
    sem:release()
    assert.are.equal(1, sem.value)
  end)

  it("acquire() blocks at 0 until a release", h.async(function()
    local sem = trio.Semaphore(0)
    local got = false
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() sem:acquire(); got = true end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_false(got)
      sem:release()
    end)
    assert.is_true(got)
    assert.are.equal(0, sem.value)
  end))

  it("wakes blocked acquirers first come, first served", h.async(function()
    local sem = trio.Semaphore(0)
    local order = {}
    trio.open_nursery(function(nursery)
      for i = 1, 3 do
        nursery:start_soon(function() sem:acquire(); order[#order + 1] = i end)
        trio.testing.wait_all_tasks_blocked()
      end
      for _ = 1, 3 do sem:release(); trio.testing.wait_all_tasks_blocked() end
    end)
    assert.are.same({ 1, 2, 3 }, order)
  end))

  it("a cancelled acquire() takes no token", h.async(function()
    local sem = trio.Semaphore(3)
    local cs = trio.CancelScope()
    cs:run(function() cs:cancel(); sem:acquire() end)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(3, sem.value)
  end))

  it("a blocked acquire() is cancellable", h.async_mock(function()
    local sem = trio.Semaphore(0)
    local cs = trio.move_on_after(2, sem.acquire, sem)
    assert.is_true(cs.cancelled_caught)
    sem:release()
    assert.are.equal(1, sem.value)
  end))

  it("release() hands the token to a waiter even at max_value (as Trio)", h.async(function()
    local sem = trio.Semaphore(0, 0)
    local got = false
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() sem:acquire(); got = true end)
      trio.testing.wait_all_tasks_blocked()
      sem:release()
    end)
    assert.is_true(got)
    assert.are.equal(0, sem.value)
    h.raises("ValueError", sem.release, sem)
  end))

  it("rejects a negative or non-integer initial value", function()
    h.raises("ValueError", trio.Semaphore, -1)
    h.raises("TypeError", trio.Semaphore, 1.5)
    h.raises("TypeError", trio.Semaphore, "2")
    local ok = pcall(trio.Semaphore, 2.0)
    assert.is_true(ok)
  end)
end)

describe("statistics() and max_value", function()
  it("Event, Lock and Semaphore count their waiters", h.async(function()
    local ev, lock, sem = trio.Event(), trio.Lock(), trio.Semaphore(0, 2)
    assert.are.same({ tasks_waiting = 0 }, ev:statistics())
    assert.are.same({ locked = false, tasks_waiting = 0 }, lock:statistics())
    assert.are.equal(2, sem.max_value)
    assert.is_nil(trio.Semaphore(1).max_value)
    h.raises("AttributeError", function() sem.max_value = 3 end)
    trio.open_nursery(function(nursery)
      local _ <close> = lock:acquire()
      for _ = 1, 2 do
        nursery:start_soon(ev.wait, ev)
        nursery:start_soon(lock.acquire, lock)
        nursery:start_soon(sem.acquire, sem)
      end
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({ tasks_waiting = 2 }, ev:statistics())
      local st = lock:statistics()
      assert.is_true(st.locked)
      assert.are.equal(trio.lowlevel.current_task(), st.owner)
      assert.are.equal(2, st.tasks_waiting)
      assert.are.same({ tasks_waiting = 2 }, sem:statistics())
      nursery.cancel_scope:cancel()
    end)
    assert.are.equal(0, ev:statistics().tasks_waiting)
    assert.are.equal(0, lock:statistics().tasks_waiting)
    assert.are.equal(0, sem:statistics().tasks_waiting)
  end))

  it("each checks its self", function()
    h.errmatch(h.raises("TypeError", trio.Lock().statistics, {}), "TypeError", "Lock:statistics: bad self")
    h.raises("TypeError", trio.Event().statistics, 1)
    h.raises("TypeError", trio.Semaphore(1).statistics, nil)
  end)
end)

describe("trio.StrictFIFOLock", function()
  it("is a Lock that hands over in arrival order", h.async(function()
    local lock = trio.StrictFIFOLock()
    assert.are.equal("ltrio.StrictFIFOLock", tostring(lock):match("^[%w.]+"))
    local order = {}
    trio.open_nursery(function(nursery)
      local _ <close> = lock:acquire()
      for i = 1, 4 do
        nursery:start_soon(function()
          local _ <close> = lock:acquire()
          order[#order + 1] = i
        end)
        trio.testing.wait_all_tasks_blocked()
      end
      assert.are.equal(4, lock:statistics().tasks_waiting)
    end)
    assert.are.same({ 1, 2, 3, 4 }, order)
    assert.is_false(lock:locked())
    h.raises("RuntimeError", lock.release, lock)
  end))

  it("errors name StrictFIFOLock, the class called", h.async(function()
    assert_lock_errors(trio.StrictFIFOLock(), "StrictFIFOLock", "StrictFIFOLock")
    assert.equal("Lock:release: can't release a Lock you don't own",
      h.raises("RuntimeError", trio.Lock().release, trio.Lock()).message)
  end))
end)

describe("trio.CapacityLimiter", function()
  it("lets at most total_tokens tasks in, then hands tokens over in arrival order", h.async_mock(function()
    local limiter = trio.CapacityLimiter(2)
    local inside, most, order = 0, 0, {}
    trio.open_nursery(function(nursery)
      for i = 1, 6 do
        nursery:start_soon(function()
          local _ <close> = limiter:acquire()
          order[#order + 1] = i
          inside = inside + 1
          most = math.max(most, inside)
          trio.sleep(1)
          inside = inside - 1
        end)
        trio.testing.wait_all_tasks_blocked()
      end
      local st = limiter:statistics()
      assert.are.equal(2, st.borrowed_tokens)
      assert.are.equal(2, st.total_tokens)
      assert.are.equal(2, #st.borrowers)
      assert.are.equal(4, st.tasks_waiting)
      assert.are.equal(0, limiter.available_tokens)
    end)
    assert.are.equal(2, most)
    assert.are.same({ 1, 2, 3, 4, 5, 6 }, order)
    assert.are.equal(3, trio.current_time())
    assert.are.equal(0, limiter.borrowed_tokens)
    assert.are.equal(2, limiter.available_tokens)
  end))

  it("raising total_tokens wakes waiters at once; lowering it keeps the holders", h.async(function()
    local limiter = trio.CapacityLimiter(1)
    local got = 0
    trio.open_nursery(function(nursery)
      limiter:acquire()
      for _ = 1, 3 do nursery:start_soon(function() limiter:acquire(); got = got + 1 end) end
      trio.testing.wait_all_tasks_blocked()
      assert.are.equal(0, got)
      limiter.total_tokens = 3
      assert.are.equal(3, limiter.borrowed_tokens)  -- handed over by the assignment itself
      assert.are.equal(1, limiter:statistics().tasks_waiting)
      trio.testing.wait_all_tasks_blocked()
      assert.are.equal(2, got)
      limiter.total_tokens = 1
      assert.are.equal(3, limiter.borrowed_tokens)
      assert.are.equal(-2, limiter.available_tokens)
      limiter.total_tokens = math.huge
      trio.testing.wait_all_tasks_blocked()
      assert.are.equal(3, got)
      assert.are.equal(math.huge, limiter.available_tokens)
    end)
  end))

  it("acquire_nowait: WouldBlock when full or when others wait; one token per borrower", h.async(function()
    local limiter, waiter = trio.CapacityLimiter(1), nil
    trio.open_nursery(function(nursery)
      assert.are.equal(limiter, limiter:acquire_nowait())
      h.errmatch(h.raises("RuntimeError", limiter.acquire_nowait, limiter), "RuntimeError",
        "already holding one of this CapacityLimiter's tokens")
      h.raises("RuntimeError", limiter.acquire, limiter)
      nursery:start_soon(function() waiter = trio.lowlevel.current_task(); limiter:acquire() end)
      trio.testing.wait_all_tasks_blocked()
      limiter.total_tokens = 1  -- no change: the waiter still waits
      h.raises("WouldBlock", limiter.acquire_on_behalf_of_nowait, limiter, "someone")
      limiter:release()
      h.errmatch(h.raises("RuntimeError", limiter.release, limiter), "RuntimeError",
        "isn't holding any of this CapacityLimiter's tokens")
    end)
    -- the waiter got the token; a task that ends keeps its token (as Trio)
    assert.are.same({ waiter }, limiter:statistics().borrowers)
  end))

  it("borrows on behalf of any value", h.async(function()
    local limiter = trio.CapacityLimiter(1)
    local job = {}
    limiter:acquire_on_behalf_of(job)
    assert.are.same({ job }, limiter:statistics().borrowers)
    h.raises("RuntimeError", limiter.acquire_on_behalf_of_nowait, limiter, job)
    h.raises("WouldBlock", limiter.acquire_nowait, limiter)
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() limiter:acquire_on_behalf_of("other"); got = true end)
      trio.testing.wait_all_tasks_blocked()
      limiter:release_on_behalf_of(job)
    end)
    assert.is_true(got)
    assert.are.same({ "other" }, limiter:statistics().borrowers)
    h.raises("RuntimeError", limiter.release, limiter)  -- this task holds none
    limiter:release_on_behalf_of("other")
    h.raises("ValueError", limiter.acquire_on_behalf_of_nowait, limiter, nil)
    h.raises("ValueError", limiter.release_on_behalf_of, limiter, 0 / 0)
  end))

  it("a cancelled acquire takes no token and leaves the queue", h.async_mock(function()
    local limiter = trio.CapacityLimiter(1)
    limiter:acquire()
    local cs = trio.move_on_after(1, limiter.acquire_on_behalf_of, limiter, "late")
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(0, limiter:statistics().tasks_waiting)
    limiter:release()
    assert.are.equal(0, limiter.borrowed_tokens)
    -- cancelled before it starts: no token even though one is free
    cs = trio.CancelScope()
    cs:cancel()
    cs:run(limiter.acquire, limiter)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(0, limiter.borrowed_tokens)
    assert.is_true(h.yields(function() limiter:acquire(); limiter:release() end))
  end))

  it("checks total_tokens, and its other fields are read-only", function()
    h.errmatch(h.raises("ValueError", trio.CapacityLimiter, 0), "ValueError",
      "trio.CapacityLimiter: bad argument #1 'total_tokens'")
    h.raises("TypeError", trio.CapacityLimiter, 1.5)
    h.raises("TypeError", trio.CapacityLimiter, "2")
    h.raises("TypeError", trio.CapacityLimiter, 0 / 0)
    h.raises("TypeError", trio.CapacityLimiter, nil)
    local limiter = trio.CapacityLimiter(math.huge)
    h.raises("ValueError", function() limiter.total_tokens = -1 end)
    h.raises("AttributeError", function() limiter.borrowed_tokens = 0 end)
    assert.are.equal(math.huge, limiter.total_tokens)
  end)
end)

describe("trio.Condition", function()
  it("wait releases the lock; notify wakes one waiter, in order, holding the lock again", h.async(function()
    local cond = trio.Condition()
    local woke = {}
    trio.open_nursery(function(nursery)
      for i = 1, 3 do
        nursery:start_soon(function()
          local _ <close> = cond:acquire()
          cond:wait()
          assert.is_true(cond:locked())
          woke[#woke + 1] = i
        end)
      end
      trio.testing.wait_all_tasks_blocked()
      assert.is_false(cond:locked())
      local st = cond:statistics()
      assert.are.equal(3, st.tasks_waiting)
      assert.is_false(st.lock_statistics.locked)
      do
        local _ <close> = cond:acquire()
        cond:notify()
        trio.testing.wait_all_tasks_blocked()
        assert.are.same({}, woke)  -- notified, but the lock is still ours
        assert.are.equal(1, cond:statistics().lock_statistics.tasks_waiting)
      end
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({ 1 }, woke)
      do
        local _ <close> = cond:acquire()
        cond:notify_all()
        assert.are.equal(0, cond:statistics().tasks_waiting)
      end
    end)
    assert.are.same({ 1, 2, 3 }, woke)
  end))

  it("a cancelled wait takes the lock back before it raises", h.async(function()
    local lock = trio.Lock()
    local cond = trio.Condition(lock)
    local held_when_cancelled
    trio.open_nursery(function(nursery)
      local waiter = trio.CancelScope()
      nursery:start_soon(function()
        waiter:run(function()
          local _ <close> = cond:acquire()
          local ok, err = pcall(cond.wait, cond)
          held_when_cancelled = lock:statistics().owner == trio.lowlevel.current_task()
          error(err, 0)
        end)
      end)
      trio.testing.wait_all_tasks_blocked()
      local _ <close> = lock:acquire()
      waiter:cancel()
      trio.testing.wait_all_tasks_blocked()
      assert.is_nil(held_when_cancelled)  -- it waits for the lock we hold, shielded
    end)
    assert.is_true(held_when_cancelled)
    assert.is_false(lock:locked())
  end))

  it("wait and notify need the lock; the lock must be a Lock", h.async(function()
    local cond = trio.Condition()
    h.errmatch(h.raises("RuntimeError", cond.wait, cond), "RuntimeError", "must hold the lock to wait")
    h.errmatch(h.raises("RuntimeError", cond.notify, cond), "RuntimeError", "must hold the lock to notify")
    h.raises("RuntimeError", cond.notify_all, cond)
    h.raises("TypeError", trio.Condition, trio.StrictFIFOLock())
    h.raises("TypeError", trio.Condition, {})
    assert.are.equal(cond, cond:acquire_nowait())
    h.raises("TypeError", cond.notify, cond, "x")
    cond:notify(5)  -- nobody waits: nothing happens
    cond:release()
  end))

  it("errors name Condition, the class called, not its Lock", h.async(function()
    assert_lock_errors(trio.Condition(), "Condition", "Lock")
  end))
end)

describe("waiting on Event, Lock, Semaphore, CapacityLimiter, Condition and channels", function()
  -- Each wait times out at once (autojump); a queue that kept a slot per cancelled wait
  -- grew by about 20 bytes a wait.
  it("keeps no memory for waits that were cancelled", h.async_mock(function()
    local ev, lock, sem = trio.Event(), trio.Lock(), trio.Semaphore(0)
    local limiter, cond = trio.CapacityLimiter(1), trio.Condition()
    local function cond_wait() local _ <close> = cond:acquire(); cond:wait() end
    local tx, rx = trio.open_memory_channel(0)
    local _ <close> = tx
    local _ <close> = rx
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() lock:acquire(); limiter:acquire(); trio.sleep_forever() end)
      trio.testing.wait_all_tasks_blocked()
      local function waits(n)
        for _ = 1, n do
          trio.move_on_after(1, ev.wait, ev)
          trio.move_on_after(1, lock.acquire, lock)
          trio.move_on_after(1, rx.receive, rx)
          trio.move_on_after(1, sem.acquire, sem)
          trio.move_on_after(1, limiter.acquire, limiter)
          trio.move_on_after(1, cond_wait)
        end
      end
      waits(1000)
      collectgarbage(); collectgarbage()
      local before = collectgarbage("count")
      local n = os.getenv("LTRIO_VALGRIND") and 2000 or 20000  -- valgrind is 30x slower
      waits(n)
      collectgarbage(); collectgarbage()
      local grown = collectgarbage("count") - before
      assert.is_true(grown < 100, ("%.0f KB more after %d cancelled waits"):format(grown, 6 * n))
      nursery.cancel_scope:cancel()
    end)
  end))
end)
