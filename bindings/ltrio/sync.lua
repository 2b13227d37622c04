-- ltrio.sync - Trio's synchronisation primitives in Lua: Event, Lock, StrictFIFOLock,
-- Semaphore, CapacityLimiter, Condition and memory channels. Waiting tasks park
-- through core.park in FIFO queues (Trio's ParkingLot); wakers hand them their value.
-- Installed by ltrio/init.lua, which passes its argument checks as 'util'.
return function(trio, core, util)
  local is, checkself, typeerror, valueerror, runtimeerror =
    util.is, util.checkself, util.typeerror, util.valueerror, util.runtimeerror
  local newerror, E = core.newerror, core.errors
  local setmetatable, getmetatable, type, error, pcall, tostring, rawget, rawset =
    setmetatable, getmetatable, type, error, pcall, tostring, rawget, rawset
  local huge = math.huge

  -- ---- waiting in Lua: queues of {task = t} entries woken through core.unpark --------------

  local park, unpark, current_task, enter = core.park, core.unpark, core.current_task, core.enter
  local cancel_shielded_checkpoint = core.cancel_shielded_checkpoint

  -- A FIFO of waiting entries with O(1) push, pop and removal, as Trio's ParkingLot: a
  -- doubly linked list through the entries' 'prev' and 'next' fields. An entry's 'queue' is
  -- the queue it is in (false once out), and 'seq' its place in the order of arrival.
  local function new_queue() return { first = false, last = false, pushed = 0 } end

  -- A waiting entry: the task, and what it sends (channels). Closing it (wait_in's
  -- to-be-closed variable) takes it out of its queue and set.
  local entry_mt = {}
  local function entry(task, value)
    return setmetatable({ task = task, value = value, err = false, mine = false,
                          queue = false, prev = false, next = false, seq = 0 }, entry_mt)
  end

  local function q_push(q, w)
    local last = q.last
    q.pushed = q.pushed + 1
    w.queue, w.prev, w.next, w.seq = q, last, false, q.pushed
    if last then last.next = w else q.first = w end
    q.last = w
  end

  local function q_remove(q, w)
    if w.queue ~= q then return end
    local p, n = w.prev, w.next
    if p then p.next = n else q.first = n end
    if n then n.prev = p else q.last = p end
    w.queue, w.prev, w.next = false, false, false
  end

  -- An entry stays in its queue from a cancellation until its task runs again (its
  -- to-be-closed variable takes it out): 'parked' tells the ones still waiting.
  local parked = core.parked

  -- How many entries of q still wait (statistics).
  local function q_waiting(q)
    local n, w = 0, q.first
    while w do
      if parked(w.task, w) then n = n + 1 end
      w = w.next
    end
    return n
  end

  -- The first entry of q that still waits (dropping the ones before it), or false.
  local function q_first_waiting(q)
    local w = q.first
    while w and not parked(w.task, w) do
      q_remove(q, w)
      w = q.first
    end
    return w
  end

  -- The same, taken out of q.
  local function q_pop_waiting(q)
    local w = q_first_waiting(q)
    if w then q_remove(q, w) end
    return w
  end

  entry_mt.__close = function(w)
    if w.queue then q_remove(w.queue, w) end
    if w.mine then w.mine[w] = nil end
  end

  -- Parks the task in queue 'q' until woken. With 'mine' (a set), the entry is listed there
  -- while it waits. However the wait ends (woken, cancelled, or the task's coroutine closed
  -- by coroutine.close), the entry leaves both: a dead waiter is never handed anything.
  local function wait_in(q, w, mine)
    q_push(q, w)
    if mine then
      mine[w] = true
      w.mine = mine
    end
    local _ <close> = w
    park(w)
    if w.err then error(w.err, 0) end
    return w.value
  end

  -- Wakes the first entry of q that still waits, handing it 'value' or 'err'; returns it
  -- (or false).
  local function wake_first(q, value, err)
    local w = q_pop_waiting(q)
    if w then
      w.value, w.err = value, err
      unpark(w.task, w)
    end
    return w
  end

  local function wake_all(q, value, err)
    while wake_first(q, value, err) do end
  end

  -- ---- Event ------------------------------------------------------------------------------

  local Event = {}
  Event.__index = Event
  Event.__name = "ltrio.Event"

  function trio.Event() return setmetatable({ _set = false, _waiters = new_queue() }, Event) end
  Event.__newindex = function(_, k)
    error(newerror("AttributeError", ("Event has no field '%s'"):format(tostring(k))), 2)
  end
  function Event:is_set()
    checkself(self, Event, "Event:is_set")
    return self._set
  end
  function Event:set()
    checkself(self, Event, "Event:set")
    if self._set then return end
    self._set = true
    wake_all(self._waiters)
  end
  function Event:statistics()
    checkself(self, Event, "Event:statistics")
    return { tasks_waiting = q_waiting(self._waiters) }
  end
  function Event:wait()
    checkself(self, Event, "Event:wait")
    if self._set then
      core.checkasync("Event:wait")
      return core.checkpoint()
    end
    enter("Event:wait")
    wait_in(self._waiters, entry(current_task()))
  end

  -- ---- Lock, StrictFIFOLock ------------------------------------------------------------------
  -- The owner task is registered with core.on_exit: if it ends while holding the lock,
  -- the lock breaks and every waiter, present or future, gets BrokenResourceError (as Trio).
  -- Both classes share their methods: a Lock is strictly FIFO too (Trio's are the same).

  local lock_methods = {}
  local Lock = { __name = "ltrio.Lock", __index = lock_methods }
  local StrictFIFOLock = { __name = "ltrio.StrictFIFOLock", __index = lock_methods }
  local on_exit = core.on_exit

  -- The names errors give, by class: the methods are shared, but a message names the
  -- class the caller called (Condition passes its own).
  local function method_names(class)
    local n = { class = class }
    for _, m in ipairs { "locked", "acquire_nowait", "acquire", "release", "statistics" } do
      n[m] = class .. ":" .. m
    end
    return n
  end
  local lock_names = { [Lock] = method_names("Lock"), [StrictFIFOLock] = method_names("StrictFIFOLock") }

  local function islock(v)
    local mt = getmetatable(v)
    return mt == Lock or mt == StrictFIFOLock
  end
  -- The names for a Lock or StrictFIFOLock 'self'; anything else is a bad self (named
  -- as Lock's: the methods do not know which class's table they were taken from).
  local function checklock(self, method)
    local n = lock_names[getmetatable(self)]
    if not n then checkself(self, Lock, "Lock:" .. method) end
    return n
  end

  local function new_lock(mt) return setmetatable({ _owner = false, _waiters = new_queue(), _broken = false }, mt) end
  function trio.Lock() return new_lock(Lock) end
  function trio.StrictFIFOLock() return new_lock(StrictFIFOLock) end

  local function broken_lock(lock)  -- Trio's message
    return newerror("BrokenResourceError", "Owner of this lock exited without releasing: " .. lock._owner.name)
  end
  local function take(self, task)
    self._owner = task
    on_exit(task, self, true)
  end

  -- The methods' bodies; 'n' names the class called (lock_names, or Condition's).
  local function lock_acquire_nowait(self, n)
    local me = current_task(n.acquire_nowait)
    if self._owner == me then
      runtimeerror(n.acquire_nowait .. ": attempt to re-acquire an already held " .. lock_names[getmetatable(self)].class)
    end
    if self._owner then  -- also when broken: the exited owner holds it for good (Trio)
      error(newerror("WouldBlock", n.acquire_nowait .. ": the lock is held"), 2)
    end
    take(self, me)
  end
  local function lock_acquire(self, n)
    enter(n.acquire)
    local me = current_task(n.acquire)
    if self._owner == me then
      runtimeerror(n.acquire .. ": attempt to re-acquire an already held " .. lock_names[getmetatable(self)].class)
    end
    if self._broken then error(broken_lock(self), 2) end
    if not self._owner then
      take(self, me)
      cancel_shielded_checkpoint()
    else
      wait_in(self._waiters, entry(me))  -- release hands the lock over directly
    end
  end
  local function lock_release(self, n)
    local me = current_task(n.release)
    if self._owner ~= me then
      runtimeerror(n.release .. ": can't release a " .. lock_names[getmetatable(self)].class .. " you don't own")
    end
    on_exit(me, self, false)
    local w = wake_first(self._waiters)
    if w then take(self, w.task) else self._owner = false end
  end

  function lock_methods:locked()
    checklock(self, "locked")
    return self._owner ~= false
  end
  function lock_methods:acquire_nowait()
    lock_acquire_nowait(self, checklock(self, "acquire_nowait"))
    return self
  end
  function lock_methods:acquire()
    lock_acquire(self, checklock(self, "acquire"))
    return self
  end
  function lock_methods:release()
    lock_release(self, checklock(self, "release"))
  end
  function lock_methods:statistics()
    checklock(self, "statistics")
    return { locked = self._owner ~= false, owner = self._owner or nil, tasks_waiting = q_waiting(self._waiters) }
  end
  for _, mt in ipairs { Lock, StrictFIFOLock } do
    local class = mt.__name:sub(7)
    mt.__close = lock_methods.release
    mt.__newindex = function(_, k)
      error(newerror("AttributeError", ("%s has no field '%s'"):format(class, tostring(k))), 2)
    end
  end

  -- Called by the core when a task ends: breaks the locks it still holds.
  core.set_exit_hook(function(task, objects)
    for lock in pairs(objects) do
      if islock(lock) and lock._owner == task then
        lock._broken = true  -- the exited task stays the owner: the lock is held for good
        wake_all(lock._waiters, nil, broken_lock(lock))
      end
    end
  end)

  -- ---- Semaphore ---------------------------------------------------------------------------

  local Semaphore = {}
  Semaphore.__name = "ltrio.Semaphore"
  local semaphore_methods = {}
  Semaphore.__index = function(s, k)
    if k == "value" then return rawget(s, "_value") end
    if k == "max_value" then return rawget(s, "_max") end
    return semaphore_methods[k]
  end
  Semaphore.__newindex = function(_, k)
    error(newerror("AttributeError", ("Semaphore: field '%s' is read-only"):format(tostring(k))), 2)
  end

  function trio.Semaphore(n, max_value)
    if type(n) ~= "number" or math.tointeger(n) == nil then
      typeerror("trio.Semaphore", 1, "n", "integer", n)
    end
    if n < 0 then valueerror("trio.Semaphore", 1, "n", "non-negative integer expected", n) end
    if max_value ~= nil then
      if type(max_value) ~= "number" or math.tointeger(max_value) == nil then
        typeerror("trio.Semaphore", 2, "max_value", "integer", max_value)
      end
      if max_value < n then valueerror("trio.Semaphore", 2, "max_value", "max_value >= n expected", max_value) end
    end
    local s = { _value = math.tointeger(n), _max = math.tointeger(max_value), _waiters = new_queue() }
    return setmetatable(s, Semaphore)
  end
  function semaphore_methods:acquire_nowait()
    checkself(self, Semaphore, "Semaphore:acquire_nowait")
    if self._value == 0 then error(newerror("WouldBlock", "Semaphore:acquire_nowait: the value is 0"), 2) end
    rawset(self, "_value", self._value - 1)
    return self
  end
  function semaphore_methods:acquire()
    checkself(self, Semaphore, "Semaphore:acquire")
    enter("Semaphore:acquire")
    if self._value > 0 then
      rawset(self, "_value", self._value - 1)
      cancel_shielded_checkpoint()
    else
      wait_in(self._waiters, entry(current_task("Semaphore:acquire")))
    end
    return self
  end
  function semaphore_methods:release()
    checkself(self, Semaphore, "Semaphore:release")
    if wake_first(self._waiters) then return end  -- handed over: the value stays 0 (Trio)
    if self._max and self._value >= self._max then
      error(newerror("ValueError", "Semaphore:release: semaphore released too many times"), 2)
    end
    if self._value == math.maxinteger then
      error(newerror("ValueError", "Semaphore:release: the value would pass math.maxinteger"), 2)
    end
    rawset(self, "_value", self._value + 1)
  end
  function semaphore_methods:statistics()
    checkself(self, Semaphore, "Semaphore:statistics")
    return { tasks_waiting = q_waiting(self._waiters) }
  end
  Semaphore.__close = semaphore_methods.release

  -- ---- CapacityLimiter ---------------------------------------------------------------------
  -- A sack of total_tokens tokens, each held by one borrower (a task, or any value given to
  -- the *_on_behalf_of methods); a borrower holds at most one. A waiting entry's 'borrower'
  -- is who gets the token when a release hands it over.

  local CapacityLimiter = { __name = "ltrio.CapacityLimiter" }
  local limiter_methods = {}
  CapacityLimiter.__index = function(l, k)
    if k == "total_tokens" then return rawget(l, "_total") end
    if k == "borrowed_tokens" then return rawget(l, "_nborrowed") end
    if k == "available_tokens" then return rawget(l, "_total") - rawget(l, "_nborrowed") end
    return limiter_methods[k]
  end

  -- total_tokens, given as 'what' says: the constructor's argument or the field.
  local function checktotal(v, what)
    if v ~= huge and (type(v) ~= "number" or math.tointeger(v) == nil) then
      local got = v ~= v and "nan" or type(v) == "number" and tostring(v) or type(v)
      error(newerror("TypeError", ("%s (integer or math.huge expected, got %s)"):format(what, got)), 3)
    end
    if v < 1 then
      error(newerror("ValueError", ("%s (at least 1 expected, got %s)"):format(what, tostring(v))), 3)
    end
    return math.tointeger(v) or huge
  end

  -- Hands free tokens to the waiters, first come first served.
  local function wake_borrowers(l)
    while l._total - l._nborrowed > 0 do
      local w = wake_first(l._waiters)
      if not w then return end
      if not l._borrowers[w.borrower] then
        l._borrowers[w.borrower] = true
        l._nborrowed = l._nborrowed + 1
      end
    end
  end

  CapacityLimiter.__newindex = function(l, k, v)
    if k ~= "total_tokens" then
      error(newerror("AttributeError", ("CapacityLimiter: field '%s' is read-only"):format(tostring(k))), 2)
    end
    rawset(l, "_total", checktotal(v, "CapacityLimiter.total_tokens: bad value"))
    wake_borrowers(l)
  end

  function trio.CapacityLimiter(total_tokens)
    local total = checktotal(total_tokens, "trio.CapacityLimiter: bad argument #1 'total_tokens'")
    local l = { _total = total, _nborrowed = 0, _borrowers = {}, _waiters = new_queue() }
    return setmetatable(l, CapacityLimiter)
  end

  local function checkborrower(fname, b)
    if b == nil or b ~= b then valueerror(fname, 1, "borrower", "a value usable as a table key expected", b) end
  end

  -- True if 'borrower' got a token; false if it must wait.
  local function try_borrow(l, borrower, fname)
    if l._borrowers[borrower] then
      runtimeerror(fname .. ": this borrower is already holding one of this CapacityLimiter's tokens")
    end
    if l._nborrowed >= l._total or q_first_waiting(l._waiters) then return false end
    l._borrowers[borrower] = true
    l._nborrowed = l._nborrowed + 1
    return true
  end

  local function borrow_nowait(l, borrower, fname)
    if not try_borrow(l, borrower, fname) then
      error(newerror("WouldBlock", fname .. ": no token is available"), 3)
    end
  end

  local function borrow(l, borrower, fname)
    enter(fname)
    if try_borrow(l, borrower, fname) then return cancel_shielded_checkpoint() end
    local w = entry(current_task(fname))
    w.borrower = borrower
    wait_in(l._waiters, w)  -- the releaser adds the borrower
  end

  local function give_back(l, borrower, fname)
    if not l._borrowers[borrower] then
      runtimeerror(fname .. ": this borrower isn't holding any of this CapacityLimiter's tokens")
    end
    l._borrowers[borrower] = nil
    l._nborrowed = l._nborrowed - 1
    wake_borrowers(l)
  end

  function limiter_methods:acquire_nowait()
    checkself(self, CapacityLimiter, "CapacityLimiter:acquire_nowait")
    borrow_nowait(self, current_task("CapacityLimiter:acquire_nowait"), "CapacityLimiter:acquire_nowait")
    return self
  end
  function limiter_methods:acquire_on_behalf_of_nowait(borrower)
    checkself(self, CapacityLimiter, "CapacityLimiter:acquire_on_behalf_of_nowait")
    checkborrower("CapacityLimiter:acquire_on_behalf_of_nowait", borrower)
    borrow_nowait(self, borrower, "CapacityLimiter:acquire_on_behalf_of_nowait")
  end
  function limiter_methods:acquire()
    checkself(self, CapacityLimiter, "CapacityLimiter:acquire")
    borrow(self, current_task("CapacityLimiter:acquire"), "CapacityLimiter:acquire")
    return self
  end
  function limiter_methods:acquire_on_behalf_of(borrower)
    checkself(self, CapacityLimiter, "CapacityLimiter:acquire_on_behalf_of")
    checkborrower("CapacityLimiter:acquire_on_behalf_of", borrower)
    borrow(self, borrower, "CapacityLimiter:acquire_on_behalf_of")
  end
  function limiter_methods:release()
    checkself(self, CapacityLimiter, "CapacityLimiter:release")
    give_back(self, current_task("CapacityLimiter:release"), "CapacityLimiter:release")
  end
  function limiter_methods:release_on_behalf_of(borrower)
    checkself(self, CapacityLimiter, "CapacityLimiter:release_on_behalf_of")
    checkborrower("CapacityLimiter:release_on_behalf_of", borrower)
    give_back(self, borrower, "CapacityLimiter:release_on_behalf_of")
  end
  function limiter_methods:statistics()
    checkself(self, CapacityLimiter, "CapacityLimiter:statistics")
    local borrowers = {}
    for b in pairs(self._borrowers) do borrowers[#borrowers + 1] = b end
    return { borrowed_tokens = self._nborrowed, total_tokens = self._total, borrowers = borrowers,
             tasks_waiting = q_waiting(self._waiters) }
  end
  CapacityLimiter.__close = limiter_methods.release

  -- ---- Condition ---------------------------------------------------------------------------
  -- A condition variable over a Lock. notify moves waiters from the condition's queue to
  -- the end of the lock's: a release then hands them the lock, as to any Lock:acquire.

  local Condition = { __name = "ltrio.Condition" }
  local condition_methods = {}
  Condition.__index = condition_methods
  Condition.__newindex = function(_, k)
    error(newerror("AttributeError", ("Condition has no field '%s'"):format(tostring(k))), 2)
  end

  function trio.Condition(lock)
    if lock == nil then lock = trio.Lock() end
    if getmetatable(lock) ~= Lock then typeerror("trio.Condition", 1, "lock", "ltrio.Lock", lock) end
    return setmetatable({ _lock = lock, _waiters = new_queue() }, Condition)
  end

  function condition_methods:locked()
    checkself(self, Condition, "Condition:locked")
    return self._lock:locked()
  end
  local condition_names = method_names("Condition")
  function condition_methods:acquire_nowait()
    checkself(self, Condition, "Condition:acquire_nowait")
    lock_acquire_nowait(self._lock, condition_names)
    return self
  end
  function condition_methods:acquire()
    checkself(self, Condition, "Condition:acquire")
    lock_acquire(self._lock, condition_names)
    return self
  end
  function condition_methods:release()
    checkself(self, Condition, "Condition:release")
    lock_release(self._lock, condition_names)
  end
  Condition.__close = condition_methods.release

  local function checkowner(cond, fname, what)
    if cond._lock._owner ~= current_task(fname) then runtimeerror(fname .. ": must hold the lock to " .. what) end
  end

  -- [async] Releases the lock, waits for a notify, and holds the lock again when it returns
  -- (also when it raises: a cancelled wait takes the lock back, shielded, first).
  function condition_methods:wait()
    checkself(self, Condition, "Condition:wait")
    core.checkasync("Condition:wait")
    checkowner(self, "Condition:wait", "wait")
    local lock = self._lock
    lock:release()
    local ok, err = pcall(wait_in, self._waiters, entry(current_task()))
    if ok then return end  -- notified, then handed the lock
    trio.CancelScope { shield = true }:run(lock.acquire, lock)
    error(err, 0)
  end

  -- Moves up to 'n' waiters to the lock's queue (cancelled ones do not count).
  local function repark(cond, n)
    local to = cond._lock._waiters
    for _ = 1, n do
      local w = q_pop_waiting(cond._waiters)
      if not w then return end
      q_push(to, w)
    end
  end

  function condition_methods:notify(n)
    checkself(self, Condition, "Condition:notify")
    if n == nil then n = 1 end
    if type(n) ~= "number" or (n ~= huge and math.tointeger(n) == nil) then
      typeerror("Condition:notify", 1, "n", "integer or math.huge", n)
    end
    checkowner(self, "Condition:notify", "notify")
    repark(self, n)
  end
  function condition_methods:notify_all()
    checkself(self, Condition, "Condition:notify_all")
    checkowner(self, "Condition:notify_all", "notify")
    repark(self, math.huge)
  end
  function condition_methods:statistics()
    checkself(self, Condition, "Condition:statistics")
    return { tasks_waiting = q_waiting(self._waiters), lock_statistics = self._lock:statistics() }
  end

  -- ---- memory channels ---------------------------------------------------------------------

  local SendChannel, ReceiveChannel = {}, {}
  SendChannel.__index, ReceiveChannel.__index = SendChannel, ReceiveChannel
  SendChannel.__name, ReceiveChannel.__name = "ltrio.MemorySendChannel", "ltrio.MemoryReceiveChannel"

  local function closed_error(fname) return newerror("ClosedResourceError", fname .. ": this channel handle is closed") end

  function trio.open_memory_channel(max_buffer)
    if type(max_buffer) ~= "number" then typeerror("trio.open_memory_channel", 1, "max_buffer", "number", max_buffer) end
    if max_buffer ~= huge and max_buffer ~= math.floor(max_buffer) then
      typeerror("trio.open_memory_channel", 1, "max_buffer", "integer or math.huge", max_buffer)
    end
    if max_buffer < 0 then
      valueerror("trio.open_memory_channel", 1, "max_buffer", "non-negative number expected", max_buffer)
    end
    if max_buffer ~= huge and max_buffer > 0x7fffffff then
      valueerror("trio.open_memory_channel", 1, "max_buffer", "at most 2^31-1, or math.huge", max_buffer)
    end
    local state = {
      max = math.tointeger(max_buffer) or max_buffer,  -- 1.0 counts as 1; math.huge stays
      buf = {}, head = 1, tail = 0,
      senders = new_queue(), receivers = new_queue(), open_send = 1, open_recv = 1,
    }
    return setmetatable({ _s = state, _closed = false, _waiting = false }, SendChannel),
           setmetatable({ _s = state, _closed = false, _waiting = false }, ReceiveChannel)
  end

  local function buffered(st) return st.tail - st.head + 1 end

  -- The set of entries waiting on this handle itself: closing it wakes only those.
  local function handle_waiters(handle)
    local mine = handle._waiting
    if not mine then
      mine = {}
      handle._waiting = mine
    end
    return mine
  end

  local function try_send(self, v, fname)
    if v == nil then error(newerror("ValueError", fname .. ": bad argument #1 'value' (non-nil value expected, got nil)"), 3) end
    if self._closed then error(closed_error(fname), 3) end
    local st = self._s
    if st.open_recv == 0 then error(newerror("BrokenResourceError", fname .. ": every receiver is closed"), 3) end
    if wake_first(st.receivers, v) then return true end
    if buffered(st) < st.max then
      st.tail = st.tail + 1
      st.buf[st.tail] = v
      return true
    end
    return false
  end

  function SendChannel:send_nowait(v)
    checkself(self, SendChannel, "MemorySendChannel:send_nowait")
    if not try_send(self, v, "MemorySendChannel:send_nowait") then
      error(newerror("WouldBlock", "MemorySendChannel:send_nowait: the channel is full"), 2)
    end
  end

  function SendChannel:send(v)
    checkself(self, SendChannel, "MemorySendChannel:send")
    enter("MemorySendChannel:send")
    if try_send(self, v, "MemorySendChannel:send") then return cancel_shielded_checkpoint() end
    wait_in(self._s.senders, entry(current_task(), v), handle_waiters(self))
  end

  -- Wakes the first blocked sender, whose entry keeps the value it sends; returns it.
  local function take_sender(st)
    local w = q_pop_waiting(st.senders)
    if w then unpark(w.task, w) end
    return w
  end

  local function try_receive(self, fname)
    if self._closed then error(closed_error(fname), 3) end
    local st = self._s
    if st.head <= st.tail then
      local v = st.buf[st.head]
      st.buf[st.head] = nil
      st.head = st.head + 1
      -- a blocked sender's value moves into the freed slot
      local w = take_sender(st)
      if w then
        st.tail = st.tail + 1
        st.buf[st.tail] = w.value
      end
      return true, v
    end
    local w = take_sender(st)
    if w then return true, w.value end
    if st.open_send == 0 then error(newerror("EndOfChannel", fname .. ": every sender is closed"), 3) end
    return false
  end

  function ReceiveChannel:receive_nowait()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:receive_nowait")
    local ok, v = try_receive(self, "MemoryReceiveChannel:receive_nowait")
    if not ok then error(newerror("WouldBlock", "MemoryReceiveChannel:receive_nowait: the channel is empty"), 2) end
    return v
  end

  function ReceiveChannel:receive()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:receive")
    enter("MemoryReceiveChannel:receive")
    local ok, v = try_receive(self, "MemoryReceiveChannel:receive")
    if ok then
      cancel_shielded_checkpoint()
      return v
    end
    return wait_in(self._s.receivers, entry(current_task()), handle_waiters(self))
  end

  function ReceiveChannel:iter()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:iter")
    return function()
      local ok, v = pcall(self.receive, self)
      if ok then return v end
      if is(v, E.EndOfChannel) then return nil end
      error(v, 0)
    end
  end

  -- Wakes the tasks blocked on 'handle' itself, in their order of arrival, with
  -- ClosedResourceError. An entry already taken out of q was handed its value: it keeps it.
  local function wake_handle_waiters(q, handle, fname)
    local mine = handle._waiting
    if not mine then return end
    local waiting = {}
    for w in pairs(mine) do
      if w.queue == q then waiting[#waiting + 1] = w end
    end
    table.sort(waiting, function(a, b) return a.seq < b.seq end)
    for _, w in ipairs(waiting) do
      q_remove(q, w)
      w.err = newerror("ClosedResourceError", fname .. ": the channel was closed while this task waited")
      unpark(w.task, w)
    end
  end

  function SendChannel:clone()
    checkself(self, SendChannel, "MemorySendChannel:clone")
    if self._closed then error(closed_error("MemorySendChannel:clone"), 2) end
    self._s.open_send = self._s.open_send + 1
    return setmetatable({ _s = self._s, _closed = false, _waiting = false }, SendChannel)
  end

  function ReceiveChannel:clone()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:clone")
    if self._closed then error(closed_error("MemoryReceiveChannel:clone"), 2) end
    self._s.open_recv = self._s.open_recv + 1
    return setmetatable({ _s = self._s, _closed = false, _waiting = false }, ReceiveChannel)
  end

  function SendChannel:close()
    checkself(self, SendChannel, "MemorySendChannel:close")
    if self._closed then return end
    self._closed = true
    local st = self._s
    wake_handle_waiters(st.senders, self, "MemorySendChannel:send")
    st.open_send = st.open_send - 1
    if st.open_send == 0 then
      wake_all(st.receivers, nil, newerror("EndOfChannel", "MemoryReceiveChannel:receive: every sender is closed"))
    end
  end

  function ReceiveChannel:close()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:close")
    if self._closed then return end
    self._closed = true
    local st = self._s
    wake_handle_waiters(st.receivers, self, "MemoryReceiveChannel:receive")
    st.open_recv = st.open_recv - 1
    if st.open_recv == 0 then
      wake_all(st.senders, nil, newerror("BrokenResourceError", "MemorySendChannel:send: every receiver is closed"))
      st.buf, st.head, st.tail = {}, 1, 0
    end
  end

  -- The same numbers from either end of the channel.
  local function channel_statistics(st)
    return { current_buffer_used = buffered(st), max_buffer_size = st.max,
             open_send_channels = st.open_send, open_receive_channels = st.open_recv,
             tasks_waiting_send = q_waiting(st.senders), tasks_waiting_receive = q_waiting(st.receivers) }
  end
  function SendChannel:statistics()
    checkself(self, SendChannel, "MemorySendChannel:statistics")
    return channel_statistics(self._s)
  end
  function ReceiveChannel:statistics()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:statistics")
    return channel_statistics(self._s)
  end

  SendChannel.__close, ReceiveChannel.__close = SendChannel.close, ReceiveChannel.close
  SendChannel.__newindex = function(_, k)
    error(newerror("AttributeError", ("MemorySendChannel has no field '%s'"):format(tostring(k))), 2)
  end
  ReceiveChannel.__newindex = function(_, k)
    error(newerror("AttributeError", ("MemoryReceiveChannel has no field '%s'"):format(tostring(k))), 2)
  end
  function SendChannel:aclose()
    checkself(self, SendChannel, "MemorySendChannel:aclose")
    core.checkasync("MemorySendChannel:aclose")
    self:close()
    core.checkpoint()
  end
  function ReceiveChannel:aclose()
    checkself(self, ReceiveChannel, "MemoryReceiveChannel:aclose")
    core.checkasync("MemoryReceiveChannel:aclose")
    self:close()
    core.checkpoint()
  end

end
