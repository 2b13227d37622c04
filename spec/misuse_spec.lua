-- Misuse raises a clear RuntimeError naming the function, never a crash: async calls
-- outside a run, in a coroutine the task created, in callbacks Lua runs through C;
-- nested runs; a task yielding by itself (API.md §1 "Sync and async").
local h = require "spec.helper"
local trio = require "ltrio"

local function plain(s) return (s:gsub("%p", "%%%0")) end

-- Asserts that err is a RuntimeError whose message names 'name'.
local function names(err, name)
  h.errmatch(err, "RuntimeError", plain(name))
end

-- The async functions of §1-4, 7, 8, each with the name it is called by.
local function async_calls()
  local ev, lock, sem = trio.Event(), trio.Lock(), trio.Semaphore(1)
  local tx, rx = trio.open_memory_channel(1)
  local set_event = trio.Event()
  set_event:set()
  local a, b = trio.socket.socketpair()
  local stream = trio.SocketStream(a)
  local tx2, rx2 = trio.open_memory_channel(1)
  return {
    { "trio.socket.getaddrinfo", function() trio.socket.getaddrinfo("127.0.0.1", 80) end },
    { "Event:wait", function() set_event:wait() end },
    { "SocketStream:aclose", function() stream:aclose() end },
    { "SocketStream:send_eof", function() stream:send_eof() end },
    { "MemorySendChannel:aclose", function() tx2:aclose() end },
    { "MemoryReceiveChannel:aclose", function() rx2:aclose() end },
    { "trio.sleep", function() trio.sleep(0) end },
    { "trio.sleep_until", function() trio.sleep_until(0) end },
    { "trio.sleep_forever", function() trio.sleep_forever() end },
    { "trio.checkpoint", function() trio.checkpoint() end },
    { "trio.checkpoint_if_cancelled", function() trio.checkpoint_if_cancelled() end },
    { "trio.open_nursery", function() trio.open_nursery(function() end) end },
    { "trio.testing.wait_all_tasks_blocked", function() trio.testing.wait_all_tasks_blocked() end },
    { "wait", function() ev:wait() end },
    { "acquire", function() lock:acquire() end },
    { "acquire", function() sem:acquire() end },
    { "send", function() tx:send(1) end },
    { "receive", function() rx:receive() end },
  }, function(in_run)
    -- no side effect happened (Lock methods need a run: API.md §1)
    if in_run then assert.is_false(lock:locked()) end
    assert.are.equal(1, sem.value)
    h.raises("WouldBlock", rx.receive_nowait, rx)
    tx:close(); rx:close()
    assert.are_not.equal(-1, a:fileno())          -- aclose closed nothing
    assert.is_falsy(a.did_shutdown_SHUT_WR)       -- send_eof shut nothing down
    tx2:send_nowait("v")
    assert.are.equal("v", rx2:receive_nowait())
    a:close(); b:close(); tx2:close(); rx2:close()
  end
end

describe("async functions outside trio.run", function()
  it("raise RuntimeError naming the function, before any side effect", function()
    local calls, verify = async_calls()
    for _, c in ipairs(calls) do
      names(h.raises("RuntimeError", c[2]), c[1])
    end
    verify()
  end)

  it("current_time, current_effective_deadline, started, current_task and Lock methods raise RuntimeError", function()
    names(h.raises("RuntimeError", trio.current_time), "current_time")
    names(h.raises("RuntimeError", trio.current_effective_deadline), "current_effective_deadline")
    names(h.raises("RuntimeError", trio.started), "started")
    names(h.raises("RuntimeError", trio.lowlevel.current_task), "current_task")
    names(h.raises("RuntimeError", trio.move_on_after, 1, print), "trio.move_on_after")
    names(h.raises("RuntimeError", trio.fail_after, 1, print), "trio.fail_after")
    names(h.raises("RuntimeError", trio.move_on_at, 1, print), "trio.move_on_at")
    names(h.raises("RuntimeError", trio.fail_at, 1, print), "trio.fail_at")
    names(h.raises("RuntimeError", trio.socket.set_custom_socket_factory, nil), "set_custom_socket_factory")
    local lock = trio.Lock()
    names(h.raises("RuntimeError", lock.acquire_nowait, lock), "acquire_nowait")
    names(h.raises("RuntimeError", lock.release, lock), "release")
    names(h.raises("RuntimeError", lock.acquire, lock), "acquire")
  end)

  it("start_soon on a nursery kept from an earlier run raises RuntimeError", function()
    local saved
    trio.run(function() trio.open_nursery(function(n) saved = n end) end)
    local ran = false
    h.raises("RuntimeError", saved.start_soon, saved, function() ran = true end)
    assert.is_false(ran)
  end)

  it("sync functions work outside a run", function()
    local cs = trio.CancelScope()
    cs:cancel()
    assert.is_true(cs.cancel_called)
    local ev = trio.Event()
    ev:set()
    assert.is_true(ev:is_set())
    local sem = trio.Semaphore(1)
    sem:acquire_nowait()
    sem:release()
    assert.are.equal(1, sem.value)
    local tx, rx = trio.open_memory_channel(1)
    tx:send_nowait("v")
    local rx2 = rx:clone()
    assert.are.equal("v", rx2:receive_nowait())
    tx:close(); rx:close(); rx2:close()
    assert.are.equal("table", type(trio.lowlevel.engine_statistics()))
    assert.are.equal(0, trio.testing.MockClock().rate)
  end)
end)

describe("async functions in a coroutine the task created", function()
  it("raise RuntimeError naming the function", h.async(function()
    local calls, verify = async_calls()
    for _, c in ipairs(calls) do
      local co = coroutine.create(c[2])
      local ok, err = coroutine.resume(co)
      assert.is_false(ok, c[1] .. " ran in a foreign coroutine")
      names(err, c[1])
    end
    verify(true)
  end))

  it("leave the task able to go on", h.async(function()
    local ok, err = pcall(coroutine.wrap(function() trio.sleep(0) end))
    assert.is_false(ok)
    names(err, "trio.sleep")
    trio.sleep(0)
    trio.open_nursery(function(n) n:start_soon(trio.sleep, 0) end)
  end))
end)

describe("async functions in callbacks Lua runs through C", function()
  it("inside table.sort's comparator raise RuntimeError naming the function", h.async(function()
    local err
    local ok = pcall(table.sort, { 3, 1, 2 }, function(a, b)
      local ok2, e = pcall(trio.sleep, 0)
      if not ok2 then err = e end
      return a < b
    end)
    assert.is_true(ok)
    names(err, "trio.sleep")
  end))

  it("inside string.gsub's callback", h.async(function()
    local err
    string.gsub("ab", ".", function()
      local ok, e = pcall(trio.checkpoint)
      if not ok then err = e end
    end)
    names(err, "trio.checkpoint")
  end))

  it("inside __tostring", h.async(function()
    local err
    local obj = setmetatable({}, { __tostring = function()
      local ok, e = pcall(trio.sleep, 0)
      if not ok then err = e end
      return "obj"
    end })
    assert.are.equal("obj", tostring(obj))
    names(err, "trio.sleep")
  end))

  it("inside a module loader run by require", h.async(function()
    local err
    package.preload["ltrio_spec_misuse_mod"] = function()
      local ok, e = pcall(trio.sleep, 0)
      if not ok then err = e end
      return {}
    end
    require "ltrio_spec_misuse_mod"
    package.preload["ltrio_spec_misuse_mod"] = nil
    package.loaded["ltrio_spec_misuse_mod"] = nil
    names(err, "trio.sleep")
  end))

  it("inside __gc", h.async(function()
    local err
    local ran = false
    do
      setmetatable({}, { __gc = function()
        ran = true
        local ok, e = pcall(trio.sleep, 0)
        if not ok then err = e end
      end })
    end
    collectgarbage()
    collectgarbage()
    assert.is_true(ran)
    names(err, "trio.sleep")
  end))

  it("inside an instrument", function()
    local errs = {}
    local instrument = {}
    function instrument:before_task_step()
      local ok, e = pcall(trio.sleep, 0)
      if not ok then errs[#errs + 1] = e end
    end
    h.checked(trio.run_with, { instruments = { instrument } }, function() trio.sleep(0) end)
    assert.is_true(#errs > 0)
    for _, e in ipairs(errs) do names(e, "trio.sleep") end
  end)
end)

describe("trio.run", function()
  it("inside a run raises RuntimeError", h.async(function()
    local ran = false
    local err = h.raises("RuntimeError", trio.run, function() ran = true end)
    assert.is_false(ran)
    assert.truthy(err.message:find("run", 1, true))
    h.raises("RuntimeError", trio.run_with, {}, function() ran = true end)
    assert.is_false(ran)
  end))

  it("inside a run, from a child task, raises RuntimeError", h.async(function()
    local err
    trio.open_nursery(function(n)
      n:start_soon(function() err = h.raises("RuntimeError", trio.run, trio.sleep, 0) end)
    end)
    assert.is_not_nil(err)
  end))

  it("works again after a run that failed", function()
    pcall(trio.run, function() error("x") end)
    assert.are.equal(5, trio.run(function() trio.sleep(0); return 5 end))
  end)
end)

describe("coroutine.yield in a task", function()
  it("gets RuntimeError there and can go on", h.async(function()
    local ok, err = pcall(coroutine.yield, "rogue")
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "RuntimeError"))
    trio.sleep(0)
  end))

  it("in a child without pcall fails its nursery with RuntimeError", h.async(function()
    local ok, err = pcall(trio.open_nursery, function(n)
      n:start_soon(function() coroutine.yield() end)
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "RuntimeError"))
  end))
end)
