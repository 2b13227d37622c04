-- trio.lowlevel: current_task, current_root_task, current_statistics,
-- engine_statistics, wait_readable/wait_writable on plain fds; instruments through
-- trio.run_with (API.md §1, §8).
local h = require "spec.helper"
local trio = require "ltrio"

local lowlevel = trio.lowlevel

-- The source:line name a task gets for function f.
local function name_of(f)
  local info = debug.getinfo(f, "S")
  return info.short_src .. ":" .. info.linedefined
end

describe("trio.lowlevel.current_task", function()
  it("is the same object at every call in one task, and usable as a table key", h.async(function()
    local t1 = lowlevel.current_task()
    trio.sleep(0)
    local t2 = lowlevel.current_task()
    assert.are.equal(t1, t2)
    assert.is_true(rawequal(t1, t2))
    local seen = { [t1] = "main" }
    assert.are.equal("main", seen[lowlevel.current_task()])
  end))

  it("names the main task \"main\"", h.async(function()
    assert.are.equal("main", lowlevel.current_task().name)
  end))

  it("names a child by its function's source:line", h.async(function()
    local names = {}
    local function child() names[#names + 1] = lowlevel.current_task().name end
    trio.open_nursery(function(nursery)
      nursery:start_soon(child)
      nursery:start(function()
        names[#names + 1] = lowlevel.current_task().name
        trio.started()
      end)
    end)
    assert.are.equal(name_of(child), names[1])
    assert.truthy(names[1]:find("lowlevel_spec%.lua:%d+$"), names[1])
    assert.truthy(names[2]:find("lowlevel_spec%.lua:%d+$"), names[2])
    assert.are_not.equal(names[1], names[2])
  end))

  it("names a task of a callable object by its __call function", h.async(function()
    local name
    local function call() name = lowlevel.current_task().name end
    local obj = setmetatable({}, { __call = call })
    trio.open_nursery(function(nursery) nursery:start_soon(obj) end)
    assert.are.equal(name_of(call), name)
  end))

  it("differs between tasks, and each child keeps its own", h.async(function()
    local main = lowlevel.current_task()
    local got = {}
    trio.open_nursery(function(nursery)
      for i = 1, 3 do
        nursery:start_soon(function()
          local me = lowlevel.current_task()
          trio.sleep(0)
          assert.are.equal(me, lowlevel.current_task())
          got[i] = me
        end)
      end
    end)
    local set = { [main] = true }
    for i = 1, 3 do
      assert.is_nil(set[got[i]], "two tasks share a task object")
      set[got[i]] = true
    end
  end))

  it("has a read-only name", h.async(function()
    local t = lowlevel.current_task()
    h.raises("AttributeError", function() t.name = "other" end)
    assert.are.equal("main", t.name)
  end))

  it("is not coroutine.running(): threads may be reused, tasks are distinct", h.async(function()
    local tasks = {}
    for _ = 1, 3 do
      trio.open_nursery(function(nursery)
        nursery:start_soon(function() tasks[#tasks + 1] = lowlevel.current_task() end)
      end)
    end
    assert.are_not.equal(tasks[1], tasks[2])
    assert.are_not.equal(tasks[2], tasks[3])
  end))
end)

describe("trio.lowlevel.current_root_task", function()
  it("is one stable task for the whole run, seen alike from every task", h.async(function()
    local root = lowlevel.current_root_task()
    assert.is_not_nil(root)
    assert.are.equal(root, lowlevel.current_root_task())
    local from_child
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() from_child = lowlevel.current_root_task() end)
    end)
    assert.are.equal(root, from_child)
  end))

  it("outside a run raises RuntimeError", function()
    h.raises("RuntimeError", lowlevel.current_root_task)
  end)
end)

describe("trio.lowlevel.current_statistics", function()
  it("counts living and runnable tasks and the time to the next deadline", h.async_mock(function()
    local stats = lowlevel.current_statistics()
    local base = stats.tasks_living
    assert.is_true(base >= 1)
    assert.are.equal(math.huge, stats.seconds_to_next_deadline)
    trio.open_nursery(function(nursery)
      for _ = 1, 3 do nursery:start_soon(trio.sleep, 10) end
      nursery:start_soon(trio.sleep_forever)
      trio.testing.wait_all_tasks_blocked()
      local s = lowlevel.current_statistics()
      assert.are.equal(base + 4, s.tasks_living)
      assert.are.equal(0, s.tasks_runnable)
      assert.are.equal(10, s.seconds_to_next_deadline)
      assert.are.equal("integer", math.type(s.tasks_living))
      trio.sleep(4)
      assert.are.equal(6, lowlevel.current_statistics().seconds_to_next_deadline)
      nursery.cancel_scope:cancel()
    end)
    assert.are.equal(base, lowlevel.current_statistics().tasks_living)
  end))

  it("counts tasks that are runnable", h.async(function()
    trio.open_nursery(function(nursery)
      for _ = 1, 4 do nursery:start_soon(trio.sleep, 0) end
      -- the four children are scheduled but have not run yet
      assert.are.equal(4, lowlevel.current_statistics().tasks_runnable)
    end)
  end))

  it("has io_statistics", h.async(function()
    local io = lowlevel.current_statistics().io_statistics
    assert.are.equal(0, io.tasks_waiting_read)
    assert.are.equal(0, io.tasks_waiting_write)
    assert.are.equal("string", type(io.backend))
  end))
end)

describe("trio.lowlevel.engine_statistics", function()
  it("works outside a run and gives integer counters", function()
    local s = lowlevel.engine_statistics()
    for _, k in ipairs { "sockets_open", "io_handles", "tasks_allocated", "threads_pooled", "lookups_pending" } do
      assert.are.equal("integer", math.type(s[k]), k)
      assert.is_true(s[k] >= 0, k)
    end
  end)

  it("counts the tasks alive during a run; none is left after it", function()
    collectgarbage(); collectgarbage()
    local before = lowlevel.engine_statistics().tasks_allocated
    local during
    trio.run(function()
      trio.open_nursery(function(nursery)
        for _ = 1, 10 do nursery:start_soon(trio.sleep_forever) end
        trio.testing.wait_all_tasks_blocked()
        during = lowlevel.engine_statistics().tasks_allocated
        nursery.cancel_scope:cancel()
      end)
    end)
    collectgarbage(); collectgarbage()
    assert.is_true(during >= before + 10, "during " .. during .. ", before " .. before)
    assert.are.equal(before, lowlevel.engine_statistics().tasks_allocated)
  end)
end)

describe("trio.lowlevel.wait_readable / wait_writable", function()
  it("return at once on a regular file", h.async(function()
    local f, fd = h.open_fd("/proc/self/stat")
    assert.is_false(h.blocks(lowlevel.wait_readable, fd))
    assert.is_false(h.blocks(lowlevel.wait_writable, fd))
    f:close()
  end))

  it("are checkpoints", h.async(function()
    local f, fd = h.open_fd("/proc/self/stat")
    assert.is_true(h.yields(lowlevel.wait_readable, fd))
    local cs = trio.CancelScope()
    cs:run(function() cs:cancel(); lowlevel.wait_readable(fd) end)
    assert.is_true(cs.cancelled_caught)
    f:close()
  end))

  it("raise EBADF at once for a large number no fd has, without memory for it", h.async(function()
    local function rss_kb()
      local f = assert(io.open("/proc/self/status"))
      local kb = tonumber(f:read("a"):match("VmRSS:%s*(%d+)"))
      f:close()
      return kb
    end
    local before, t0 = rss_kb(), os.clock()
    for _, wait in ipairs{lowlevel.wait_readable, lowlevel.wait_writable} do
      local ok, err = trio.pcall(wait, 100000000)
      assert.is_false(ok)
      assert.is_true(trio.iserror(err, "OSError"))
      assert.are.equal(trio.errno.EBADF, err.errno)
    end
    assert.is_true(os.clock() - t0 < 2, "took " .. (os.clock() - t0) .. " s of CPU")
    assert.is_true(rss_kb() - before < 100 * 1024, "RSS grew by " .. (rss_kb() - before) .. " kB")
  end))
end)

describe("poll handles kept across fd numbers", function()
  -- Receives one byte on 'sock' in a child task that must wait for it.
  local function receive_after_wait(sock, peer, byte)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() assert.are.equal(byte, sock:recv(1)) end)
      trio.testing.wait_all_tasks_blocked()
      peer:send(byte)
    end)
  end

  it("a closed socket's fd number serves a regular file, then a new socket", h.async(function()
    local a, b = trio.socket.socketpair()
    receive_after_wait(b, a, "x")     -- b's fd now has a poll handle
    local n = b:fileno()
    b:close()
    local files, f, fd = {}, nil, nil
    repeat                            -- the lowest free fd comes first: n, at the latest
      f, fd = h.open_fd("/proc/self/stat")
      files[#files + 1] = f
    until fd >= n
    assert.are.equal(n, fd)
    assert.is_false(h.blocks(lowlevel.wait_readable, fd))   -- a file: ready, not polled
    for _, x in ipairs(files) do x:close() end
    local socks, s, peer = {}, nil, nil
    repeat
      local c, d = trio.socket.socketpair()
      socks[#socks + 1], socks[#socks + 2] = c, d
      if c:fileno() == n then s, peer = c, d elseif d:fileno() == n then s, peer = d, c end
    until s or (c:fileno() > n and d:fileno() > n)
    assert.is_truthy(s, "no new socket got fd " .. n)
    receive_after_wait(s, peer, "y")
    for _, x in ipairs(socks) do x:close() end
    a:close()
  end))
end)

describe("trio.run_with instruments", function()
  local function recorder()
    local log = {}
    local inst = { log = log }
    for _, m in ipairs { "before_run", "after_run", "task_spawned", "task_exited",
                         "before_task_step", "after_task_step" } do
      inst[m] = function(self, task)
        assert.are.equal(inst, self)   -- called as a method
        log[#log + 1] = { m, task }
      end
    end
    return inst
  end

  it("calls before_run first and after_run last, once each", function()
    local inst = recorder()
    h.checked(trio.run_with, { instruments = { inst } }, function() trio.sleep(0) end)
    local log = inst.log
    assert.are.equal("before_run", log[1][1])
    assert.are.equal("after_run", log[#log][1])
    local n = { before_run = 0, after_run = 0 }
    for _, e in ipairs(log) do if n[e[1]] then n[e[1]] = n[e[1]] + 1 end end
    assert.are.same({ before_run = 1, after_run = 1 }, n)
  end)

  it("passes the task objects that current_task returns", function()
    local inst = recorder()
    local main, child
    h.checked(trio.run_with, { instruments = { inst } }, function()
      main = lowlevel.current_task()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          child = lowlevel.current_task()
          trio.sleep(0)
        end)
      end)
    end)
    local spawned, exited, steps = {}, {}, {}
    for _, e in ipairs(inst.log) do
      if e[1] == "task_spawned" then spawned[e[2]] = true end
      if e[1] == "task_exited" then exited[e[2]] = true end
      if e[1] == "before_task_step" then steps[e[2]] = (steps[e[2]] or 0) + 1 end
    end
    assert.is_true(spawned[child])
    assert.is_true(exited[child])
    assert.is_true(exited[main])
    assert.is_true(spawned[main])
    -- the child ran at least twice: before and after its sleep(0)
    assert.is_true((steps[child] or 0) >= 2)
  end)

  it("brackets every step: before_task_step and after_task_step alternate for the same task", function()
    local inst = recorder()
    h.checked(trio.run_with, { instruments = { inst } }, function()
      trio.open_nursery(function(nursery)
        for _ = 1, 3 do nursery:start_soon(function() trio.sleep(0); trio.sleep(0) end) end
      end)
    end)
    local current
    local nsteps = 0
    for _, e in ipairs(inst.log) do
      if e[1] == "before_task_step" then
        assert.is_nil(current, "a step began inside another")
        current = e[2]
        nsteps = nsteps + 1
      elseif e[1] == "after_task_step" then
        assert.are.equal(current, e[2])
        current = nil
      end
    end
    assert.is_nil(current)
    assert.is_true(nsteps >= 3 * 3 + 1, "only " .. nsteps .. " steps")   -- 3 per child, 1+ for main
  end)

  it("spawns a task before its first step and exits it after its last", function()
    local inst = recorder()
    h.checked(trio.run_with, { instruments = { inst } }, function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(trio.sleep, 0)
      end)
    end)
    local state = {}
    for _, e in ipairs(inst.log) do
      local m, t = e[1], e[2]
      if m == "task_spawned" then
        assert.is_nil(state[t]); state[t] = "spawned"
      elseif m == "before_task_step" then
        assert.are.equal("spawned", state[t])
      elseif m == "task_exited" then
        assert.are.equal("spawned", state[t]); state[t] = "exited"
      end
    end
  end)

  it("calls task_exited inside the last step, before its after_task_step (as Trio)", function()
    local inst = recorder()
    local child
    h.checked(trio.run_with, { instruments = { inst } }, function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function() child = lowlevel.current_task() end)
      end)
    end)
    local order = {}
    for _, e in ipairs(inst.log) do
      if e[2] == child and e[1] ~= "task_spawned" then order[#order + 1] = e[1] end
    end
    assert.are.same({ "before_task_step", "task_exited", "after_task_step" }, order)
  end)

  it("sees the stepping task as current_task in its task hooks (as Trio), and none in before_run", function()
    local seen, checked = {}, 0
    local function hook(name)
      return function(_, task)
        local ok, current = pcall(lowlevel.current_task)
        checked = checked + 1
        if not ok or current ~= task then seen[#seen + 1] = name .. ": " .. tostring(current) end
      end
    end
    local inst = {before_task_step = hook("before_task_step"), after_task_step = hook("after_task_step"),
      task_exited = hook("task_exited")}
    function inst.before_run() seen.before_run = pcall(lowlevel.current_task) end
    h.checked(trio.run_with, { instruments = { inst } }, function()
      trio.open_nursery(function(nursery) nursery:start_soon(trio.sleep, 0) end)
    end)
    assert.are.same({before_run = false}, seen)
    assert.is_true(checked >= 6)
  end)

  it("calls an instrument listed twice once per event", function()
    local inst = recorder()
    h.checked(trio.run_with, { instruments = { inst, inst } }, function() trio.sleep(0) end)
    local n = 0
    for _, e in ipairs(inst.log) do if e[1] == "before_run" then n = n + 1 end end
    assert.are.equal(1, n)
  end)

  it("may leave out any method", function()
    local calls = 0
    local only = { before_run = function() calls = calls + 1 end }
    h.checked(trio.run_with, { instruments = { only, {} } }, function() trio.sleep(0) end)
    assert.are.equal(1, calls)
  end)

  it("several instruments are all called", function()
    local a, b = recorder(), recorder()
    h.checked(trio.run_with, { instruments = { a, b } }, function() trio.sleep(0) end)
    assert.is_true(#a.log > 0)
    assert.are.equal(#a.log, #b.log)
  end)
end)
