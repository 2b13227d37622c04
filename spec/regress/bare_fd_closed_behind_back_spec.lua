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
