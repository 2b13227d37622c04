-- spec/helper.lua - what every spec shares: running a test body inside trio.run
-- with a leak check afterwards (fds and engine counters, as luv's tap checks for
-- unclosed handles), raise assertions on ltrio error objects, skips decided once.
--
-- Loaded two ways: by busted through `.busted` (`helper = "spec/helper.lua"`, a plain
-- dofile) and by every spec as `local h = require "spec.helper"`. Both give the same
-- table. busted insulates each spec file and restores package.loaded afterwards, so
-- the table is also kept in the registry, and a later require puts it (and the ltrio
-- modules it loaded) back into package.loaded instead of loading a second copy.

local REGKEY = "ltrio.spec.helper"
local reg = debug.getregistry()
do
  local cached = reg[REGKEY]
  if cached then
    package.loaded["spec.helper"] = cached
    for name, mod in pairs(cached._modules) do
      if package.loaded[name] == nil then package.loaded[name] = mod end
    end
    return cached
  end
end

local h = {}

-- ltrio itself: the Makefile points LUA_PATH/LUA_CPATH at build/lua; when busted is
-- run by hand from the repo root without them, fall back to the build tree.
local ok, trio = pcall(require, "ltrio")
if not ok then
  local b = os.getenv("LTRIO_BUILD") or "build"
  package.path = b .. "/lua/?.lua;" .. b .. "/lua/?/init.lua;" .. package.path
  package.cpath = b .. "/lua/?.so;" .. package.cpath
  trio = require "ltrio"
end
h.trio = trio

local luassert = require "luassert"

-- ---------------------------------------------------------------------------
-- Describing values in failure messages.

local function describe(v)
  if type(v) == "table" and type(v.type) == "string" then
    local ok2, s = pcall(tostring, v)
    return ok2 and s or ("<" .. v.type .. ">")
  elseif type(v) == "string" then
    return string.format("%q", v)
  end
  return tostring(v)
end
h.describe = describe

-- ---------------------------------------------------------------------------
-- fds: the number of entries of /proc/self/fd.

local has_lfs, lfs = pcall(require, "lfs")

-- Returns the set of open fd numbers (as integers) of this process.
function h.fd_set()
  local set = {}
  if has_lfs then
    -- lfs.dir holds a DIR fd of its own while listing and closes it at the end of
    -- the listing: drop the entries that are gone by then.
    for name in lfs.dir("/proc/self/fd") do
      local n = tonumber(name)
      if n then set[n] = true end
    end
    for n in pairs(set) do
      if not lfs.symlinkattributes("/proc/self/fd/" .. n, "mode") then set[n] = nil end
    end
    return set
  end
  local stat = io.open("/proc/self/stat")
  local pid = stat:read("n")
  stat:close()
  local p = io.popen("ls /proc/" .. pid .. "/fd")
  for name in p:lines() do
    local n = tonumber(name)
    if n then set[n] = true end
  end
  p:close()
  return set
end

function h.fds()
  local n = 0
  for _ in pairs(h.fd_set()) do n = n + 1 end
  return n
end

-- Opens 'path' with io.open and returns the Lua file and its fd number.
function h.open_fd(path, mode)
  local before = h.fd_set()
  local f = assert(io.open(path, mode or "r"))
  local fd
  for n in pairs(h.fd_set()) do
    if not before[n] then fd = n end
  end
  return f, fd
end

-- ---------------------------------------------------------------------------
-- Leak check: fds and engine counters before and after a test body.

local function snapshot()
  collectgarbage()
  collectgarbage()
  local stats = {}
  for k, v in pairs(trio.lowlevel.engine_statistics()) do
    if k ~= "threads_pooled" then stats[k] = v end
  end
  return { fds = h.fds(), stats = stats }
end
h.snapshot = snapshot

local function check_leaks(before)
  local after = snapshot()
  luassert.are.equal(before.fds, after.fds,
    "fd leak: /proc/self/fd had " .. before.fds .. " entries before the test, " .. after.fds .. " after")
  for k, v in pairs(before.stats) do
    luassert.are.equal(v, after.stats[k],
      "engine_statistics()." .. k .. " was " .. tostring(v) .. " before the test, " ..
      tostring(after.stats[k]) .. " after")
  end
end
h.check_leaks = check_leaks

-- Runs runner(...) between two snapshots; re-raises its error unchanged (no leak
-- check then: the first failure is the interesting one).
local function checked(runner, ...)
  local before = snapshot()
  local res = table.pack(pcall(runner, ...))
  if not res[1] then error(res[2], 0) end
  check_leaks(before)
  return table.unpack(res, 2, res.n)
end
h.checked = checked

-- h.async(fn): a function for `it` that runs fn() as the main task of trio.run.
function h.async(fn)
  return function()
    checked(trio.run, fn)
  end
end

-- h.async_mock(fn, opts): the same under a MockClock (autojump_threshold 0 unless
-- opts says otherwise; opts are MockClock options). fn receives the clock.
function h.async_mock(fn, opts)
  return function()
    local copt = { autojump_threshold = 0 }
    for k, v in pairs(opts or {}) do copt[k] = v end
    local clock = trio.testing.MockClock(copt)
    checked(trio.run_with, { clock = clock }, fn, clock)
  end
end

-- ---------------------------------------------------------------------------
-- Error assertions.

local function classname(class)
  if type(class) == "string" then return class end
  if type(class) == "table" then
    local ok2, n = pcall(function() return rawget(class, "type") or class.type or class.__name end)
    if ok2 and n then return tostring(n) end
  end
  return tostring(class)
end

-- Calls fn(...) under pcall; asserts that it failed with an ltrio error object of
-- 'class' (a name or a class object) and returns that error.
function h.raises(class, fn, ...)
  local res = table.pack(pcall(fn, ...))
  if res[1] then
    error("expected " .. classname(class) .. ", but the call returned " .. (res.n - 1) .. " value(s)", 2)
  end
  local err = res[2]
  if type(err) ~= "table" or not trio.iserror(err, class) then
    error("expected " .. classname(class) .. ", got " .. type(err) .. " " .. describe(err), 2)
  end
  return err
end

-- Asserts that err is an ltrio error of 'class' whose message matches 'pattern'.
function h.errmatch(err, class, pattern)
  if type(err) ~= "table" or not trio.iserror(err, class) then
    error("expected " .. classname(class) .. ", got " .. type(err) .. " " .. describe(err), 2)
  end
  if pattern and not tostring(err.message):find(pattern) then
    error("message " .. describe(err.message) .. " does not match " .. describe(pattern), 2)
  end
  return err
end

-- ---------------------------------------------------------------------------
-- Async probes (call them inside a run).

-- True if fn(...) yields to the scheduler: a task started just before the call has
-- run by the time fn returns (start_soon children do not run before their parent's
-- next yield).
function h.yields(fn, ...)
  local ran, seen = false, nil
  local args = table.pack(...)
  trio.open_nursery(function(nursery)
    nursery:start_soon(function() ran = true end)
    fn(table.unpack(args, 1, args.n))
    seen = ran
  end)
  return seen
end

-- Trio's assert_checkpoints: asserts that fn(...) yields to the scheduler; returns its
-- results. The failure names the caller's line.
function h.assert_checkpoints(fn, ...)
  local args, res = table.pack(...), nil
  local caller = debug.getinfo(2, "Sl")
  luassert.is_true(h.yields(function() res = table.pack(fn(table.unpack(args, 1, args.n))) end),
    "expected a checkpoint (assert_checkpoints at " .. caller.short_src .. ":" .. caller.currentline .. ")")
  return table.unpack(res, 1, res.n)
end

-- True if fn(...) blocks: it is still waiting once every other task is blocked
-- (it is then cancelled). False if it returns by itself; its error is re-raised.
function h.blocks(fn, ...)
  local args = table.pack(...)
  local cs = trio.CancelScope()
  trio.open_nursery(function(nursery)
    nursery:start_soon(function()
      trio.testing.wait_all_tasks_blocked()
      cs:cancel()
    end)
    cs:run(fn, table.unpack(args, 1, args.n))
    nursery.cancel_scope:cancel()
  end)
  return cs.cancelled_caught
end

-- ---------------------------------------------------------------------------
-- Skips.

-- busted.pending(msg) marks the running test pending. The busted instance is not a
-- module: find it on the stack of whoever loads this file (busted's helper loader
-- has it as a local, its runner functions as an upvalue).
local function find_busted()
  local function fits(v)
    return type(v) == "table" and type(rawget(v, "pending")) == "function"
       and type(rawget(v, "context")) == "table"
  end
  for level = 2, 60 do
    local info = debug.getinfo(level, "f")
    if not info then break end
    local i = 1
    while true do
      local name, val = debug.getlocal(level, i)
      if not name then break end
      if name == "busted" and fits(val) then return val end
      i = i + 1
    end
    i = 1
    while true do
      local name, val = debug.getupvalue(info.func, i)
      if not name then break end
      if name == "busted" and fits(val) then return val end
      i = i + 1
    end
  end
  return nil
end
h._busted = find_busted()

-- Failing that, `pending` is in the _ENV of spec code on the stack.
local function find_pending()
  if h._busted then return h._busted.pending end
  for level = 2, 40 do
    local info = debug.getinfo(level, "f")
    if not info then break end
    local i = 1
    while true do
      local name, val = debug.getupvalue(info.func, i)
      if not name then break end
      if name == "_ENV" then
        if type(val) == "table" and val ~= _G then
          local p = val.pending
          if type(p) == "function" then return p end
        end
        break
      end
      i = i + 1
    end
  end
  return nil
end

function h.pending(reason)
  local p = find_pending()
  if p then p(reason) end
  error("skipped: " .. reason, 2)
end

function h.skip_unless(cond, reason)
  if not cond then h.pending(reason) end
end

-- ---------------------------------------------------------------------------
-- Platform facts, decided once.

h.ipv6 = (function()
  local okls, socket = pcall(require, "socket")
  if okls and socket.tcp6 then
    local s = socket.tcp6()
    if not s then return false end
    local res = s:bind("::1", 0)
    s:close()
    return res == 1
  end
  local f = io.open("/proc/net/if_inet6")
  if not f then return false end
  local text = f:read("a")
  f:close()
  return text:find("00000000000000000000000000000001", 1, true) ~= nil
end)()

h.root = (function()
  local src = debug.getinfo(1, "S").source
  local dir = src:match("^@(.*)/spec/helper%.lua$")
  if dir and dir ~= "" then return dir end
  return "."
end)()

-- tools/run-specs names the build tree under test (make sanitize tests another one).
h.build = os.getenv("LTRIO_BUILD") or (h.root .. "/build")
h.ltrio_bin = os.getenv("LTRIO_HOST") or (h.build .. "/ltrio")

-- ---------------------------------------------------------------------------
-- Files and processes, for the specs that run the host binary.

function h.exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

-- A word quoted for sh.
function h.q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- The contents of a file ("" when it cannot be read).
function h.slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- A new temporary file holding 'text' (empty without it); h.remove_tmpfiles() removes them all.
local tmpfiles = {}
function h.tmpfile(text)
  local name = os.tmpname()
  tmpfiles[#tmpfiles + 1] = name
  if text then
    local f = assert(io.open(name, "wb"))
    f:write(text)
    f:close()
  end
  return name
end

function h.remove_tmpfiles()
  for _, f in ipairs(tmpfiles) do os.remove(f) end
  tmpfiles = {}
end

-- Starts the host binary on 'script' (stdin /dev/null, stderr to the file 'err', SIGINT
-- at its default disposition) and waits for its first line, "ready PID". Returns the
-- popen handle, whose remaining output ends with "status=N", and the PID.
function h.start_host(script, err)
  local p = io.popen("env --default-signal=INT timeout 60 " .. h.q(h.ltrio_bin) .. " " .. h.q(script) ..
    " </dev/null 2>" .. h.q(err) .. "; echo status=$?")
  local first = p:read("l")
  local pid = first and first:match("^ready (%d+)$")
  assert(pid, "unexpected first line: " .. tostring(first))
  return p, pid
end

-- True while a SIGINT is pending for process 'pid' (ShdPnd bit 2: not yet taken).
function h.sigint_pending(pid)
  local st = h.slurp("/proc/" .. pid .. "/status")
  local shd = st:match("ShdPnd:%s*(%x+)")
  return shd ~= nil and (tonumber(shd:sub(-1), 16) & 2) ~= 0
end

-- ---------------------------------------------------------------------------
-- Warm-up: the first run creates the process's loop (its epoll fd, its wakeup
-- handle); they live for the whole process by design, so they are made here,
-- before any test takes its snapshot.
pcall(trio.run, function() trio.sleep(0) end)
pcall(trio.run_with, { clock = trio.testing.MockClock { autojump_threshold = 0 } },
  function() trio.sleep(1) end)

-- Keep the helper (and the ltrio modules it loaded) across busted's insulation.
h._modules = {}
for name, mod in pairs(package.loaded) do
  if name == "ltrio" or name:match("^ltrio%.") then h._modules[name] = mod end
end
reg[REGKEY] = h
package.loaded["spec.helper"] = h
-- ---------------------------------------------------------------------------
-- Small shared values.

-- The set of the values of an array: {v = true, ...}.
function h.set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

-- A connected AF_UNIX pair of SocketStreams (socketpair).
function h.unix_stream_pair()
  local a, b = trio.socket.socketpair()
  return trio.SocketStream(a), trio.SocketStream(b)
end

-- A value whose <close> closes every object given (Python's `with a, b:`; Lua allows
-- one <close> per local statement).
function h.closing(...)
  local objects = table.pack(...)
  return setmetatable({}, { __close = function()
    for i = 1, objects.n do objects[i]:close() end
  end })
end

return h
