-- ltrio - the public module: Trio's model on a C engine. This facade turns the
-- private C core (ltrio.core) into the API of API.md: running, errors, time and
-- cancel scopes, nurseries, synchronisation, trio.testing and trio.lowlevel.
-- Sockets and streams are installed by ltrio.socket and ltrio.streams.
local core = require "ltrio.core"

local trio = { _VERSION = "0.1.0" }
local lowlevel, testing = {}, {}
trio.lowlevel, trio.testing = lowlevel, testing

local type, error, pcall, xpcall = type, error, pcall, xpcall
local getmetatable, setmetatable, tostring = getmetatable, setmetatable, tostring
local rawgetmetatable = debug.getmetatable
local pack, unpack = table.pack, table.unpack

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

-- scope_exit sees the error too: one that carries a Cancelled (a nursery dropped it
-- beside this error) makes the scope that catches that Cancelled record
-- cancelled_caught (Trio's scope catches it out of the group); the error goes on.
local function scope_finish(cs, ok, ...)
  if ok then
    scope_exit(cs, false)
    return ...
  end
  local e = ...
  local cancelled = is(e, Cancelled)
  if scope_exit(cs, cancelled, e) and cancelled then return end
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
local carry = core.carry

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
    local e = errors[1]  -- may be nil (error())
    if nerr > 1 then e = new_error_group(errors, nerr) end
    if saw_cancelled and not caught then carry(e) end  -- an outer scope catches that Cancelled
    error(e, 0)
  end
  if saw_cancelled then
    if not caught then error(core.cancelled_error(), 0) end
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

-- ---- synchronisation: Event, Lock, Semaphore, memory channels (ltrio.sync) ----------------

require("ltrio.sync")(trio, core, {
  is = is, checkself = checkself, typeerror = typeerror, valueerror = valueerror,
  runtimeerror = runtimeerror,
})

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
