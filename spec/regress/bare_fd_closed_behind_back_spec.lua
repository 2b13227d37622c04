-- A bare fd waited on with trio.lowlevel.wait_* and then closed without
-- notify_closing: a later fd with the same number is waited on normally (no hang,
-- no abort from a registration the kernel already dropped).
local h = require "spec.helper"
local trio = require "ltrio"

local pid do
  local f = assert(io.open("/proc/self/stat"))
  pid = f:read("n")
  f:close()
end

-- The fds open now: fd -> what it refers to ("pipe:[inode]", a path...).
local function fd_set()
  local set = {}
  local p = io.popen("find /proc/" .. pid .. "/fd -mindepth 1 -printf '%f %l\\n'")
  for n, target in p:read("a"):gmatch("(%d+) ([^\n]*)") do set[tonumber(n)] = target end
  p:close()
  return set
end

-- Opens a pipe to a shell command that prints a line and returns {file, fd}.
local function open_pipe()
  local before = fd_set()
  local f = io.popen("echo ready", "r")
  local fd
  for n, target in pairs(fd_set()) do  -- the listing's own pipe is new too, but closed by now
    if before[n] ~= target and os.execute("test -e /proc/" .. pid .. "/fd/" .. n) then fd = n end
  end
  return f, fd
end

describe("trio.lowlevel.wait_readable on a bare fd", function()
  it("leaves no registration behind for the next fd with the same number", h.async(function()
    local f1, fd1 = open_pipe()
    assert.truthy(fd1, "the pipe's fd was not found")
    trio.lowlevel.wait_readable(fd1)
    f1:close()                       -- closed behind ltrio's back, no notify_closing
    local f2, fd2 = open_pipe()
    trio.fail_after(5, function()
      trio.lowlevel.wait_readable(fd2)  -- same number or not, the wait completes
    end)
    assert.are.equal("ready", f2:read("l"))
    f2:close()
  end))
end)

-- The waits of a bare fd closed (or closed and its number reused) behind ltrio's back
-- while a change of its poll is pending: libuv would abort the process when it applies
-- the change, so each case runs in the host binary. Trio's waiters get OSError EBADF.
describe("a bare fd closed while its poll changes", function()
  local script = [=[
local trio = require "ltrio"
local path = os.tmpname()
os.remove(path)
assert(os.execute("mkfifo " .. path))
local stat = io.open("/proc/self/stat")
local pid = stat:read("n")
stat:close()
-- A FIFO opened "r+" (no data: not readable) and its fd, found by its path.
local function fifo()
  local f = assert(io.open(path, "r+"))
  local p = io.popen("find /proc/" .. pid .. "/fd -lname " .. path .. " -printf '%f\\n'")
  local fd = math.tointeger(tonumber(p:read("l")))
  p:close()
  return f, fd
end
local function report(name, r)
  print(name, r and r[1], r and trio.iserror(r[2], "OSError") and r[2].errno == trio.errno.EBADF)
end

-- 1. closed in the batch that started its first wait
local f, fd = fifo()
local r
trio.open_nursery(function(n)
  n:start_soon(function() r = {trio.pcall(trio.lowlevel.wait_readable, fd)} end)
  n:start_soon(function() f:close() end)
end)
report("first-wait", r)

-- 1b. closed in the next batch, before the loop polls (it polls only every few batches)
f, fd = fifo()
r = nil
trio.open_nursery(function(n)
  n:start_soon(function() r = {trio.pcall(trio.lowlevel.wait_readable, fd)} end)
  n:start_soon(function()
    trio.sleep(0)
    f:close()
  end)
end)
report("next-batch", r)

-- 2. waited on, closed, then a second wait adds a direction
local rr, rw
f, fd = fifo()
trio.open_nursery(function(n)
  n:start_soon(function() rr = {trio.pcall(trio.lowlevel.wait_readable, fd)} end)
  trio.testing.wait_all_tasks_blocked()
  f:close()
  n:start_soon(function() rw = {trio.pcall(trio.lowlevel.wait_writable, fd)} end)
end)
report("added-reader", rr)
report("added-writer", rw)

-- 3. the same, with the number reused by a regular file in between
f, fd = fifo()
local reused
trio.open_nursery(function(n)
  n:start_soon(function() rr = {trio.pcall(trio.lowlevel.wait_readable, fd)} end)
  trio.testing.wait_all_tasks_blocked()
  f:close()
  reused = io.open("/proc/self/stat")
  n:start_soon(function() rw = {trio.pcall(trio.lowlevel.wait_writable, fd)} end)
end)
reused:close()
report("reused-reader", rr)
os.remove(path)
print("survived", trio.lowlevel.engine_statistics().io_handles)
]=]

  it("wakes its waiters with OSError EBADF instead of aborting the process", function()
    local p = io.popen(h.q(h.ltrio_bin) .. " " .. h.q(h.tmpfile(script)) .. " 2>&1; echo status=$?")
    local out = p:read("a")
    p:close()
    h.remove_tmpfiles()
    for _, case in ipairs({"first-wait", "next-batch", "added-reader", "added-writer", "reused-reader"}) do
      assert.truthy(out:find(case .. "\tfalse\ttrue\n", 1, true), case .. " in:\n" .. out)
    end
    assert.truthy(out:find("survived\t0\n", 1, true), out)
    assert.truthy(out:find("status=0", 1, true), out)
  end)
end)
