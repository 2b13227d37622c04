-- ltrio - the public module: Trio's model on a C engine. This facade turns the
-- private C core (ltrio.core) into the API of API.md: running, errors, time and
-- cancel scopes, nurseries, synchronisation, trio.testing and trio.lowlevel.
-- Sockets and streams are installed by ltrio.socket and ltrio.streams.
local core = require "ltrio.core"

local trio = { _VERSION = "0.1.0" }
local lowlevel, testing = {}, {}
trio.lowlevel, trio.testing = lowlevel, testing

local select, type, error, pcall, xpcall = select, type, error, pcall, xpcall
local getmetatable, setmetatable, tostring = getmetatable, setmetatable, tostring
local rawgetmetatable = debug.getmetatable
local pack, unpack = table.pack, table.unpack
local huge = math.huge

-- ---- errors --------------------------------------------------------------------

local E = core.errors
for name, class in pairs(E) do trio[name] = class end
trio.iserror = core.iserror
local newerror = core.newerror

-- True if 'e' is an instance of 'class' or of a subclass (fast path of iserror).
-- Raw metatables: a user's error object may have __metatable set or a "base"
-- field that is not a class.
local function is(e, class)
  if type(e) ~= "table" then return false end
  local mt = rawgetmetatable(e)
  for _ = 1, 16 do  -- as core.iserror: a cycle of "base" fields ends
    if type(mt) ~= "table" then return false end
    if mt == class then return true end
    mt = rawget(mt, "base")
  end
  return false
end

local function got(v)
  if v == nil then return "nil" end
  if v ~= v then return "nan" end  -- tostring gives "-nan" or "nan" by sign bit
  local t = type(v)
  if t == "number" or t == "boolean" then return tostring(v) end
  return t
end

-- As the core's messages: a TypeError names the type it got (the value, for a number
-- where an integer was expected); a ValueError shows the value.
local function typeerror(fname, i, param, expected, v)
  local what = type(v) == "number" and expected:find("integer", 1, true) and got(v) or type(v)
  error(newerror("TypeError", ("%s: bad argument #%d '%s' (%s expected, got %s)")
    :format(fname, i, param, expected, what)), 2)
end

local function valueerror(fname, i, param, what, v)
  error(newerror("ValueError", ("%s: bad argument #%d '%s' (%s, got %s)")
    :format(fname, i, param, what, got(v))), 2)
end

-- TypeError unless 'self' is an object of class 'mt' (methods called on the wrong value).
local function checkself(self, mt, fname)
  if getmetatable(self) ~= mt then
    error(newerror("TypeError", ("%s: bad self (%s expected, got %s)"):format(fname, mt.__name, type(self))), 3)
  end
end

local function runtimeerror(msg) error(newerror("RuntimeError", msg), 2) end

-- TypeError unless fn is a function or has a __call metamethod; 'i' is the
-- argument's number as the caller sees it.
local iscallable = core.iscallable
local function checkcallable(fn, fname, param, i)
  if not iscallable(fn) then typeerror(fname, i, param, "function", fn) end
end

-- A non-negative duration in seconds (math.huge allowed).
local function checkduration(fname, v)
  if type(v) ~= "number" then typeerror(fname, 1, "seconds", "number", v) end
  if v ~= v or v < 0 then valueerror(fname, 1, "seconds", "non-negative number expected", v) end
  return v
end

local function checkdeadline(fname, v)
  if type(v) ~= "number" then typeerror(fname, 1, "deadline", "number", v) end
  if v ~= v then valueerror(fname, 1, "deadline", "a number that is not NaN expected", v) end
  return v
end

-- trio.pcall: pcall that lets Cancelled and KeyboardInterrupt through.
local Cancelled = E.Cancelled
trio.pcall = core.pcall

-- tostring(e), or a description when e's __tostring raises or gives no string:
-- building a group never loses the errors it holds.
local function describe(e)
  local ok, s = pcall(tostring, e)
  if ok and type(s) == "string" then return s end
  return ("(a %s error that tostring cannot show)"):format(type(e))
end

-- 'count' errors (a Lua error may be nil, so the array may have holes).
local function new_error_group(errors, count)
  local parts = {}
  for i = 1, count do parts[i] = describe(errors[i]) end
  local g = newerror("ErrorGroup", ("%d errors: %s"):format(count, table.concat(parts, "; ")))
  g.errors = errors
  return g
end

-- ---- running -------------------------------------------------------------------

function trio.run(fn, ...)
  checkcallable(fn, "trio.run", "fn", 1)
  return core.run("trio.run", nil, nil, fn, ...)
end

local run_options = { clock = true, instruments = true }
local mockclock_mt = getmetatable(core.MockClock())
function trio.run_with(opts, fn, ...)
  if type(opts) ~= "table" then typeerror("trio.run_with", 1, "opts", "table", opts) end
  for k in pairs(opts) do
    if not run_options[k] then
      error(newerror("TypeError", ("trio.run_with: bad argument #1 'opts' (unknown option '%s')"):format(tostring(k))), 2)
    end
  end
  checkcallable(fn, "trio.run_with", "fn", 2)
  local clock, instruments = opts.clock, opts.instruments
  if clock ~= nil and getmetatable(clock) ~= mockclock_mt then
    typeerror("trio.run_with", 1, "opts.clock", "MockClock", clock)
  end
  if instruments ~= nil then
    if type(instruments) ~= "table" then typeerror("trio.run_with", 1, "opts.instruments", "table", instruments) end
    for i = 1, #instruments do
      local t = type(instruments[i])
      if t ~= "table" and t ~= "userdata" then
        typeerror("trio.run_with", 1, "opts.instruments[" .. i .. "]", "table", instruments[i])
      end
    end
  end
  return core.run("trio.run_with", clock, instruments, fn, ...)
end

-- ---- time and checkpoints -----------------------------------------------------------

trio.current_time = core.current_time
trio.sleep, trio.sleep_until, trio.sleep_forever = core.sleep, core.sleep_until, core.sleep_forever
trio.checkpoint, trio.checkpoint_if_cancelled = core.checkpoint, core.checkpoint_if_cancelled
trio.current_effective_deadline = core.current_effective_deadline
lowlevel.checkpoint = core.checkpoint
lowlevel.checkpoint_if_cancelled = core.checkpoint_if_cancelled
lowlevel.cancel_shielded_checkpoint = core.cancel_shielded_checkpoint

-- ---- cancel scopes ------------------------------------------------------------------

local CancelScope = core.CancelScope
trio.CancelScope = CancelScope
local scope_enter, scope_exit, msgh = core.scope_enter, core.scope_exit, core.msgh
local carries, carry = core.carries, core.carry

-- An error that carries a Cancelled (a nursery dropped it beside this error) makes
-- the scope that catches the Cancelled record cancelled_caught as it passes (Trio's
-- scope catches the Cancelled out of the group); the error goes on.
local function scope_finish(cs, ok, ...)
  if ok then
    scope_exit(cs, false)
    return ...
  end
  local e = ...
  local cancelled = is(e, Cancelled)
  local carried = not cancelled and carries(e)
  if scope_exit(cs, cancelled or carried) then
    if cancelled then return end
    if carried then carry() end
  end
  error(e, 0)
end

-- cs:run(fn, ...): enters cs, runs fn, exits; no values when cs caught the Cancelled.
function core.CancelScope_methods.run(cs, fn, ...)
  checkcallable(fn, "CancelScope:run", "fn", 1)
  scope_enter(cs)
  return scope_finish(cs, xpcall(fn, msgh, ...))
end
local scope_run = core.CancelScope_methods.run

function trio.move_on_at(deadline, fn, ...)
  checkdeadline("trio.move_on_at", deadline)
  checkcallable(fn, "trio.move_on_at", "fn", 2)
  core.checktask("trio.move_on_at")
  local cs = CancelScope { deadline = deadline }
  return cs, scope_run(cs, fn, ...)
end

function trio.move_on_after(seconds, fn, ...)
  checkduration("trio.move_on_after", seconds)
  checkcallable(fn, "trio.move_on_after", "fn", 2)
  core.checktask("trio.move_on_after")
  local cs = CancelScope { deadline = core.current_time() + seconds }
  return cs, scope_run(cs, fn, ...)
end

local function fail_finish(cs, ...)
  if cs.cancelled_caught then error(newerror("TooSlowError", "deadline exceeded"), 0) end
  return ...
end

function trio.fail_at(deadline, fn, ...)
  checkdeadline("trio.fail_at", deadline)
  checkcallable(fn, "trio.fail_at", "fn", 2)
  core.checktask("trio.fail_at")
  local cs = CancelScope { deadline = deadline }
  return fail_finish(cs, scope_run(cs, fn, ...))
end

function trio.fail_after(seconds, fn, ...)
  checkduration("trio.fail_after", seconds)
  checkcallable(fn, "trio.fail_after", "fn", 2)
  core.checktask("trio.fail_after")
  local cs = CancelScope { deadline = core.current_time() + seconds }
  return fail_finish(cs, scope_run(cs, fn, ...))
end

-- ---- nurseries ------------------------------------------------------------------------

local nursery_open, nursery_record, nursery_wait = core.nursery_open, core.nursery_record, core.nursery_wait

local function nursery_finish(n, ok, ...)
  if not ok then nursery_record(n, (...)) end
  local caught, interrupted, saw_cancelled, errors = nursery_wait(n)
  local nerr = errors.n or 0  -- the count the engine keeps (an error may be nil)
  errors.n = nil
  if interrupted then  -- Ctrl-C while waiting for the children: among their errors as it came (Trio)
    local at = interrupted + 1
    for i = nerr, at, -1 do errors[i + 1] = errors[i] end
    errors[at] = newerror("KeyboardInterrupt", "interrupted")
    nerr = nerr + 1
  end
  if nerr > 0 then
    local e = nerr == 1 and errors[1] or new_error_group(errors, nerr)
    if saw_cancelled and not caught then carry(e) end  -- an outer scope catches that Cancelled
    error(e, 0)
  end
  if saw_cancelled then
    if not caught then error(newerror("Cancelled", "cancelled"), 0) end
    if not ok then return end
  end
  return ...
end

function trio.open_nursery(fn)
  checkcallable(fn, "trio.open_nursery", "fn", 1)
  local n = nursery_open()
  return nursery_finish(n, xpcall(fn, msgh, n))
end

-- A to-be-closed value that ends a start() counted in nursery 'n'.
local pending_start_mt = { __close = function(p) core.nursery_pending(p.nursery, -1) end }
local function pending_start(n) return setmetatable({ nursery = n }, pending_start_mt) end

-- nursery:start(fn, ...): runs fn in a private nursery until it calls trio.started.
function core.Nursery_methods.start(self, fn, ...)
  core.nursery_closed(self, "Nursery:start")  -- TypeError for a wrong self
  core.checkasync("Nursery:start")
  checkcallable(fn, "Nursery:start", "fn", 1)
  if core.nursery_closed(self, "Nursery:start") then runtimeerror("Nursery:start: the nursery is closed to new arrivals") end
  local status = { target = self }
  local args = pack(...)
  core.nursery_pending(self, 1)
  local _ <close> = pending_start(self)  -- undone however this frame ends, coroutine.close too
  local ok, err = pcall(trio.open_nursery, function(inner)
    status.inner = inner
    core.spawn_start(inner, status, fn, unpack(args, 1, args.n))
  end)
  if not ok then error(err, 0) end
  if not status.values then
    -- trio.started ran while this task was cancelled: the Cancelled is raised here
    if status.cancelled then trio.checkpoint_if_cancelled() end
    runtimeerror("Nursery:start: the function returned without calling trio.started")
  end
  return unpack(status.values, 1, status.values.n)
end

function trio.started(...)
  local status = core.start_status()
  if status == nil or status.values then return end
  if core.scope_cancelled(status.inner.cancel_scope) then status.cancelled = true return end
  status.values = pack(...)
  local task = core.current_task()
  core.set_start_status(task, nil)
  core.reparent(task, status.inner, status.target)
end

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

-- The first entry (taken out of q), or nil.
local function q_pop(q)
  local w = q.first
  if not w then return nil end
  q_remove(q, w)
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

-- Wakes the first entry of q that still waits; returns it (or nil).
local function wake_first(q, value, err)
  local w = q_pop(q)
  while w do
    w.value, w.err = value, err
    if unpark(w.task, w) then return w end
    w = q_pop(q)
  end
end

local function wake_all(q, value, err)
  local w = q_pop(q)
  while w do
    w.value, w.err = value, err
    unpark(w.task, w)
    w = q_pop(q)
  end
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
function Event:wait()
  checkself(self, Event, "Event:wait")
  if self._set then
    core.checkasync("Event:wait")
    return core.checkpoint()
  end
  enter("Event:wait")
  wait_in(self._waiters, entry(current_task()))
end

-- ---- Lock --------------------------------------------------------------------------------
-- The owner task is registered with core.on_exit: if it ends while holding the lock,
-- the lock breaks and every waiter, present or future, gets BrokenResourceError (as Trio).

local Lock = {}
Lock.__index = Lock
Lock.__name = "ltrio.Lock"
local on_exit = core.on_exit

function trio.Lock() return setmetatable({ _owner = false, _waiters = new_queue(), _broken = false }, Lock) end
function Lock:locked()
  checkself(self, Lock, "Lock:locked")
  return self._owner ~= false
end
local function broken_lock(lock)  -- Trio's message
  return newerror("BrokenResourceError", "Owner of this lock exited without releasing: " .. lock._owner.name)
end
local function take(self, task)
  self._owner = task
  on_exit(task, self, true)
end
function Lock:acquire_nowait()
  checkself(self, Lock, "Lock:acquire_nowait")
  local me = current_task("Lock:acquire_nowait")
  if self._owner == me then runtimeerror("Lock:acquire_nowait: attempt to re-acquire an already held Lock") end
  if self._owner then  -- also when broken: the exited owner holds it for good (Trio)
    error(newerror("WouldBlock", "Lock:acquire_nowait: the lock is held"), 2)
  end
  take(self, me)
  return self
end
function Lock:acquire()
  checkself(self, Lock, "Lock:acquire")
  enter("Lock:acquire")
  local me = current_task("Lock:acquire")
  if self._owner == me then runtimeerror("Lock:acquire: attempt to re-acquire an already held Lock") end
  if self._broken then error(broken_lock(self), 2) end
  if not self._owner then
    take(self, me)
    cancel_shielded_checkpoint()
  else
    wait_in(self._waiters, entry(me))  -- release hands the lock over directly
  end
  return self
end
function Lock:release()
  checkself(self, Lock, "Lock:release")
  local me = current_task("Lock:release")
  if self._owner ~= me then runtimeerror("Lock:release: can't release a Lock you don't own") end
  on_exit(me, self, false)
  local w = wake_first(self._waiters)
  if w then take(self, w.task) else self._owner = false end
end
Lock.__close = Lock.release
Lock.__newindex = function(_, k)
  error(newerror("AttributeError", ("Lock has no field '%s'"):format(tostring(k))), 2)
end

-- Called by the core when a task ends: breaks the locks it still holds.
core.set_exit_hook(function(task, objects)
  for lock in pairs(objects) do
    if getmetatable(lock) == Lock and lock._owner == task then
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
Semaphore.__close = semaphore_methods.release

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
    max = max_buffer, buf = {}, head = 1, tail = 0,
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

local function try_receive(self, fname)
  if self._closed then error(closed_error(fname), 3) end
  local st = self._s
  if st.head <= st.tail then
    local v = st.buf[st.head]
    st.buf[st.head] = nil
    st.head = st.head + 1
    -- a blocked sender's value moves into the freed slot
    local w = q_pop(st.senders)
    while w do
      local sent = w.value
      if unpark(w.task, w) then
        st.tail = st.tail + 1
        st.buf[st.tail] = sent
        break
      end
      w = q_pop(st.senders)
    end
    return true, v
  end
  local w = q_pop(st.senders)
  while w do
    local sent = w.value
    if unpark(w.task, w) then return true, sent end
    w = q_pop(st.senders)
  end
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

-- ---- trio.testing and trio.lowlevel ----------------------------------------------------------

testing.MockClock = core.MockClock
testing.wait_all_tasks_blocked = core.wait_all_tasks_blocked

lowlevel.current_task = core.current_task
lowlevel.current_root_task = core.current_root_task
lowlevel.park, lowlevel.unpark = core.park, core.unpark

local function io_statistics()
  if core.io_statistics then return core.io_statistics() end
  return { sockets_open = 0, io_handles = 0, lookups_pending = 0,
           tasks_waiting_read = 0, tasks_waiting_write = 0, backend = "epoll" }
end

function lowlevel.current_statistics()
  local living, runnable, next_deadline = core.run_statistics()
  local io = io_statistics()
  return {
    tasks_living = living, tasks_runnable = runnable, seconds_to_next_deadline = next_deadline,
    io_statistics = { tasks_waiting_read = io.tasks_waiting_read, tasks_waiting_write = io.tasks_waiting_write,
                      backend = io.backend },
  }
end

function lowlevel.engine_statistics()
  local allocated, pooled = core.task_statistics()
  local io = io_statistics()
  return {
    sockets_open = io.sockets_open, io_handles = io.io_handles, lookups_pending = io.lookups_pending,
    tasks_allocated = allocated, threads_pooled = pooled,
  }
end

-- ---- parts in other files ------------------------------------------------------------------

for _, name in ipairs { "ltrio.socket", "ltrio.streams" } do
  local ok, install = pcall(require, name)
  if ok and type(install) == "function" then
    if name ~= "ltrio.streams" or trio.socket then install(trio, core) end
  elseif not ok and not tostring(install):find("module '" .. name .. "' not found", 1, true) then
    error(install, 0)
  end
end

return trio
