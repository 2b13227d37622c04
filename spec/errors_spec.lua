-- Error classes, trio.iserror, trio.pcall, and the argument-check messages of every
-- public function of API.md §1-4, 7, 8 (API.md §1 "Arguments", §2).
local h = require "spec.helper"
local trio = require "ltrio"

local CLASSES = {
  Error = nil, -- the base, checked apart
  Cancelled = "Error", KeyboardInterrupt = "Error", TooSlowError = "Error", OSError = "Error",
  ClosedResourceError = "Error", BusyResourceError = "Error", BrokenResourceError = "Error",
  EndOfChannel = "Error", WouldBlock = "Error", RuntimeError = "Error", TypeError = "Error",
  ValueError = "Error", AttributeError = "Error", ErrorGroup = "Error",
}

-- A real ValueError made by ltrio.
local function a_value_error()
  local err
  trio.run(function() err = h.raises("ValueError", trio.sleep, -1) end)
  return err
end

describe("trio.Error and its classes", function()
  it("take an omitted message and nil alike", function()
    assert.are.equal(tostring(trio.ValueError(nil)), tostring(trio.ValueError()))
    assert.are.equal("ValueError", tostring(trio.ValueError()))
  end)

  it("concatenate with strings, numbers and errors only, as a string would", function()
    local e = trio.ValueError("v")
    assert.are.equal("ValueError: v1", e .. 1)
    assert.are.equal("a ValueError: v", "a " .. e)
    assert.are.equal("ValueError: vValueError: v", e .. e)
    for _, other in ipairs { true, {}, print } do
      assert.is_false(pcall(function() return e .. other end))
      assert.is_false(pcall(function() return other .. e end))
    end
    assert.is_false(pcall(function() return e .. nil end))
  end)

  it("exist as trio.<Name>, and trio.socket.gaierror", function()
    assert.are.equal("table", type(trio.Error))
    for name in pairs(CLASSES) do
      assert.are.equal("table", type(trio[name]), "trio." .. name)
    end
  end)

  it("trio.socket.gaierror exists", function()
    assert.are.equal("table", type(trio.socket))
    assert.are.equal("table", type(trio.socket.gaierror))
  end)

  it("real errors of each kind are of their class and of trio.Error", function()
    local made = {}
    local function keep(e) made[#made + 1] = e end
    keep(h.raises("RuntimeError", trio.sleep, 0))            -- outside a run
    keep(h.raises("AttributeError", function() trio.CancelScope().bogus = 1 end))
    keep(h.raises("WouldBlock", trio.Semaphore(0).acquire_nowait, trio.Semaphore(0)))
    local tx, rx = trio.open_memory_channel(0)
    tx:close()
    keep(h.raises("EndOfChannel", rx.receive_nowait, rx))
    keep(h.raises("ClosedResourceError", tx.send_nowait, tx, 1))
    rx:close()
    local tx2, rx2 = trio.open_memory_channel(0)
    rx2:close()
    keep(h.raises("BrokenResourceError", tx2.send_nowait, tx2, 1))
    tx2:close()
    trio.run(function()
      keep(h.raises("ValueError", trio.sleep, -1))
      keep(h.raises("TypeError", trio.sleep, "x"))
      keep(h.raises("TooSlowError", trio.fail_after, 0, trio.sleep, 1))
      local cs = trio.CancelScope()
      cs:run(function() cs:cancel(); keep(h.raises("Cancelled", trio.sleep, 0)) end)
      keep(h.raises("ErrorGroup", trio.open_nursery, function(n)
        n:start_soon(error, "a", 0)
        n:start_soon(error, "b", 0)
      end))
    end)
    assert.are.equal(11, #made)
    for _, e in ipairs(made) do
      assert.are.equal(trio[e.type], getmetatable(e))
      assert.is_true(trio.iserror(e, e.type))
      assert.is_true(trio.iserror(e, trio[e.type]))
      assert.is_true(trio.iserror(e, "Error"))
      assert.is_true(trio.iserror(e, trio.Error))
      assert.are.equal(e.type .. ": " .. e.message, tostring(e))
    end
  end)

  it("an error object is a table whose metatable is its class", function()
    local err = a_value_error()
    assert.are.equal("table", type(err))
    assert.are.equal(trio.ValueError, getmetatable(err))
    assert.are.equal("ValueError", err.type)
    assert.are.equal("string", type(err.message))
  end)

  it("tostring gives '<type>: <message>'", function()
    local err = a_value_error()
    assert.are.equal("ValueError: " .. err.message, tostring(err))
  end)

  it("tostring names the class, or Error, when the type field is not a string", function()
    local err = a_value_error()
    err.type = nil
    assert.are.equal("ValueError: " .. err.message, tostring(err))
    err.type = {}
    assert.are.equal("ValueError: " .. err.message, tostring(err))
    local plain = setmetatable({ message = "m" }, { __tostring = getmetatable(err).__tostring })
    assert.are.equal("Error: m", tostring(plain))
    plain.message = nil
    assert.are.equal("Error", tostring(plain))
  end)

  it("concatenates like a string on either side", function()
    local err = a_value_error()
    assert.are.equal("> " .. tostring(err), "> " .. err)
    assert.are.equal(tostring(err) .. " <", err .. " <")
  end)

  it("an ltrio error escaping a task has a traceback field", function()
    local err = a_value_error()   -- caught inside the task: no traceback needed
    local ok, escaped = pcall(trio.run, function() trio.sleep(-1) end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(escaped, "ValueError"))
    assert.are.equal("string", type(escaped.traceback))
    assert.truthy(escaped.traceback:find("errors_spec.lua", 1, true))
    assert.is_not_nil(err)
  end)
end)

describe("ltrio objects", function()
  it("refuse assignment to unknown fields with AttributeError", h.async(function()
    local tx, rx = trio.open_memory_channel(1)
    local objects = {
      CancelScope = trio.CancelScope(), Event = trio.Event(), Lock = trio.Lock(),
      Semaphore = trio.Semaphore(1), MockClock = trio.testing.MockClock(),
      MemorySendChannel = tx, MemoryReceiveChannel = rx,
      task = trio.lowlevel.current_task(),
    }
    trio.open_nursery(function(nursery) objects.nursery = nursery end)
    local wrong = {}
    for what, obj in pairs(objects) do
      local ok, err = pcall(function() obj.no_such_field = 1 end)
      if ok then
        wrong[#wrong + 1] = what .. " accepted it"
      elseif not trio.iserror(err, "AttributeError") then
        wrong[#wrong + 1] = what .. " raised " .. h.describe(err)
      end
    end
    tx:close(); rx:close()
    table.sort(wrong)
    assert.are.same({}, wrong)
  end))

  it("refuse assignment to read-only fields with AttributeError", h.async(function()
    trio.open_nursery(function(nursery)
      h.raises("AttributeError", function() nursery.cancel_scope = trio.CancelScope() end)
    end)
    h.raises("AttributeError", function() trio.lowlevel.current_task().name = "x" end)
    h.raises("AttributeError", function() trio.Semaphore(1).value = 2 end)
    h.raises("AttributeError", function() trio.CancelScope().cancelled_caught = true end)
  end))
end)

describe("trio.iserror", function()
  it("is true for the object's class and its bases, by name or by class object", function()
    local err = a_value_error()
    assert.is_true(trio.iserror(err, "ValueError"))
    assert.is_true(trio.iserror(err, trio.ValueError))
    assert.is_true(trio.iserror(err, "Error"))
    assert.is_false(trio.iserror(err, "TypeError"))
    assert.is_false(trio.iserror(err, trio.OSError))
    assert.is_false(trio.iserror(err, "Cancelled"))
  end)

  it("is false for values that are not ltrio errors", function()
    for _, v in ipairs { "ValueError", 42, true, {}, { type = "ValueError", message = "fake" },
                         print, coroutine.create(print) } do
      assert.is_false(trio.iserror(v, "ValueError"))
      assert.is_false(trio.iserror(v, "Error"))
    end
    assert.is_false(trio.iserror(nil, "Error"))
  end)

  it("raises ValueError for an unknown class name", function()
    local err = a_value_error()
    h.raises("ValueError", trio.iserror, err, "NoSuchError")
  end)

  it("knows subclasses: gaierror is an OSError", function()
    local fake = setmetatable({}, trio.socket.gaierror)
    assert.is_true(trio.iserror(fake, "gaierror"))
    assert.is_true(trio.iserror(fake, "OSError"))
    assert.is_true(trio.iserror(fake, trio.OSError))
    assert.is_false(trio.iserror(fake, "ValueError"))
  end)
end)

describe("trio.pcall", function()
  it("returns true and every result on success", h.async(function()
    local r = table.pack(trio.pcall(function(a) return a, nil, 3 end, 1))
    assert.are.same({ true, 1, nil, 3, n = 4 }, r)
  end))

  it("returns false and the error for ordinary errors", h.async(function()
    local e = {}
    local ok, got = trio.pcall(error, e)
    assert.is_false(ok)
    assert.are.equal(e, got)
    local ok2, got2 = trio.pcall(trio.sleep, -1)
    assert.is_false(ok2)
    assert.is_true(trio.iserror(got2, "ValueError"))
    local ok3, got3 = trio.pcall(trio.fail_after, 0, trio.sleep, 1)
    assert.is_false(ok3)
    assert.is_true(trio.iserror(got3, "TooSlowError"))
  end))

  it("re-raises an ErrorGroup that holds a KeyboardInterrupt, at any depth", h.async(function()
    local function group_with_interrupt()
      trio.open_nursery(function(n)
        n:start_soon(function() error(trio.KeyboardInterrupt()) end)
        n:start_soon(function() error("x", 0) end)
      end)
    end
    local e = h.raises("ErrorGroup", trio.pcall, group_with_interrupt)
    assert.are.equal(2, #e.errors)
    h.raises("ErrorGroup", trio.pcall, trio.open_nursery, function(n)
      n:start_soon(group_with_interrupt)
      n:start_soon(function() error("y", 0) end)
    end)
    local ok = trio.pcall(trio.open_nursery, function(n)  -- a group without one is caught
      n:start_soon(error, "a", 0)
      n:start_soon(error, "b", 0)
    end)
    assert.is_false(ok)
  end))

  it("re-raises Cancelled", h.async(function()
    local cs = trio.CancelScope()
    local returned = false
    cs:run(function()
      cs:cancel()
      trio.pcall(trio.sleep_forever)
      returned = true
    end)
    assert.is_false(returned)
    assert.is_true(cs.cancelled_caught)
  end))

  it("works across yields (the function may block)", h.async_mock(function()
    local ok, v = trio.pcall(function() trio.sleep(5); return "slept" end)
    assert.is_true(ok)
    assert.are.equal("slept", v)
    assert.are.equal(5, trio.current_time())
  end))

  it("works outside a run", function()
    assert.are.same({ true, 2 }, { trio.pcall(function() return 2 end) })
    local ok, e = trio.pcall(error, "x", 0)
    assert.is_false(ok)
    assert.are.equal("x", e)
  end)
end)

-- ---------------------------------------------------------------------------
-- Argument checks: <name>: bad argument #<i> '<param>' (<expected>, got <what>)

-- 'name' is the function as the user calls it; ":method" stands for any receiver.
local function msgpat(name, i, param)
  local fname
  if name:sub(1, 1) == ":" then
    fname = "[%w_%.]+" .. name:gsub("%p", "%%%0")
  else
    fname = name:gsub("%p", "%%%0")
  end
  return "^" .. fname .. ": bad argument #" .. i ..
         " '" .. (param and param:gsub("%p", "%%%0") or "[^']+") .. "' %(.+, got .+%)$"
end

local function check_arg(class, name, i, param, fn, ...)
  local err = h.raises(class, fn, ...)
  local pat = msgpat(name, i, param)
  assert.truthy(err.message:find(pat), "message " .. string.format("%q", err.message) ..
    " does not match " .. pat)
  return err
end

local function noop() end

describe("argument checks (API.md §2 message format)", function()
  it("trio.sleep: the exact prefix, as a TypeError object (not a string)", h.async(function()
    local ok, err = pcall(trio.sleep, "1")
    assert.is_false(ok)
    assert.are.equal("table", type(err))
    assert.is_true(trio.iserror(err, "TypeError"))
    assert.truthy(err.message:find("^trio%.sleep: bad argument #1 'seconds' %("), err.message)
    assert.truthy(err.message:find(", got string%)$"), err.message)
    assert.truthy(tostring(err):find("^TypeError: trio%.sleep: bad argument #1 'seconds'"))
  end))

  it("a string value is shown escaped and cut, NUL bytes included", h.async(function()
    local S = trio.socket
    local e = h.raises("ValueError", S.inet_ntop, S.AF_INET6, ("\0"):rep(15))
    assert.are.equal("trio.socket.inet_ntop: bad argument #2 'packed_ip' (invalid length of packed IP " ..
      "address string, got string \"" .. ("\\0"):rep(15) .. "\")", e.message)
    e = h.raises("ValueError", trio.open_tcp_stream, "a\0b", 80)  -- a message made in Lua
    assert.truthy(e.message:find('got string "a\\0b")', 1, true), e.message)
    e = h.raises("ValueError", S.inet_ntop, S.AF_INET, "\"\\\n\0011" .. ("x"):rep(100))
    assert.truthy(e.message:find('got string "\\"\\\\\\10\\0011' .. ("x"):rep(59) .. '%.%.%."%)$'), e.message)
  end))

  it("trio.sleep: a negative number is a ValueError object with the same format", h.async(function()
    local err = check_arg("ValueError", "trio.sleep", 1, "seconds", trio.sleep, -1)
    assert.is_true(trio.iserror(err, "ValueError"))
  end))

  it("names the type that was given", h.async(function()
    local cases = { { {}, "table" }, { true, "boolean" }, { print, "function" }, { nil, "nil" } }
    for _, c in ipairs(cases) do
      local err = h.raises("TypeError", trio.sleep, c[1])
      assert.truthy(err.message:find("got " .. c[2] .. "%)$"), err.message)
    end
  end))

  it("trio.run and trio.run_with", function()
    check_arg("TypeError", "trio.run", 1, "fn", trio.run, 42)
    check_arg("TypeError", "trio.run", 1, "fn", trio.run, nil)
    check_arg("TypeError", "trio.run", 1, "fn", trio.run, setmetatable({}, {}))
    check_arg("TypeError", "trio.run_with", 1, "opts", trio.run_with, "x", noop)
    check_arg("TypeError", "trio.run_with", 2, "fn", trio.run_with, {}, 42)
    local err = h.raises("TypeError", trio.run_with, { clocks = 1 }, noop)
    assert.truthy(err.message:find("clocks", 1, true), err.message)
    h.raises("TypeError", trio.run_with, { clock = 42 }, noop)
    h.raises("TypeError", trio.run_with, { instruments = 42 }, noop)
  end)

  it("time functions", h.async(function()
    check_arg("TypeError", "trio.sleep", 1, "seconds", trio.sleep, "1")
    check_arg("ValueError", "trio.sleep", 1, "seconds", trio.sleep, 0 / 0)
    check_arg("TypeError", "trio.sleep_until", 1, "deadline", trio.sleep_until, "1")
    check_arg("ValueError", "trio.sleep_until", 1, "deadline", trio.sleep_until, 0 / 0)
  end))

  it("timeouts", h.async(function()
    for _, name in ipairs { "move_on_after", "fail_after" } do
      check_arg("TypeError", "trio." .. name, 1, "seconds", trio[name], "1", noop)
      check_arg("ValueError", "trio." .. name, 1, "seconds", trio[name], -1, noop)
      check_arg("ValueError", "trio." .. name, 1, "seconds", trio[name], 0 / 0, noop)
      check_arg("TypeError", "trio." .. name, 2, "fn", trio[name], 1, 42)
    end
    for _, name in ipairs { "move_on_at", "fail_at" } do
      check_arg("TypeError", "trio." .. name, 1, "deadline", trio[name], {}, noop)
      check_arg("ValueError", "trio." .. name, 1, "deadline", trio[name], 0 / 0, noop)
      check_arg("TypeError", "trio." .. name, 2, "fn", trio[name], 1, "f")
    end
  end))

  it("CancelScope", h.async(function()
    h.raises("TypeError", trio.CancelScope, 42)
    h.raises("TypeError", trio.CancelScope, { deadline = "x" })
    h.raises("TypeError", trio.CancelScope, { shield = "yes" })
    h.raises("ValueError", trio.CancelScope, { deadline = 0 / 0 })
    local cs = trio.CancelScope()
    check_arg("TypeError", ":run", 1, "fn", cs.run, cs, 42)
    -- calling a method on something that is not a scope
    h.raises("TypeError", cs.run, {}, noop)
    h.raises("TypeError", cs.cancel, 42)
  end))

  it("nurseries", h.async(function()
    check_arg("TypeError", "trio.open_nursery", 1, nil, trio.open_nursery, 42)
    trio.open_nursery(function(nursery)
      check_arg("TypeError", ":start_soon", 1, nil, nursery.start_soon, nursery, 42)
      check_arg("TypeError", ":start", 1, nil, nursery.start, nursery, "f")
      h.raises("TypeError", nursery.start_soon, {}, noop)
    end)
  end))

  it("sync primitives and channels", function()
    check_arg("TypeError", "trio.Semaphore", 1, nil, trio.Semaphore, "1")
    check_arg("TypeError", "trio.Semaphore", 1, nil, trio.Semaphore, 0.5)
    check_arg("ValueError", "trio.Semaphore", 1, nil, trio.Semaphore, -1)
    check_arg("TypeError", "trio.open_memory_channel", 1, "max_buffer", trio.open_memory_channel, "1")
    check_arg("TypeError", "trio.open_memory_channel", 1, "max_buffer", trio.open_memory_channel, 0.5)
    check_arg("ValueError", "trio.open_memory_channel", 1, "max_buffer", trio.open_memory_channel, -2)
    local tx, rx = trio.open_memory_channel(1)
    check_arg("ValueError", ":send_nowait", 1, nil, tx.send_nowait, tx, nil)
    -- methods called on the wrong object
    local ev, lock, sem = trio.Event(), trio.Lock(), trio.Semaphore(1)
    h.raises("TypeError", ev.set, {})
    h.raises("TypeError", ev.is_set, 42)
    h.raises("TypeError", lock.locked, {})
    h.raises("TypeError", sem.release, "x")
    h.raises("TypeError", tx.send_nowait, rx, 1)
    h.raises("TypeError", rx.receive_nowait, tx)
    tx:close(); rx:close()
    assert.is_true(ev ~= nil and lock ~= nil)
  end)

  it("trio.testing", h.async(function()
    h.raises("TypeError", trio.testing.MockClock, 42)
    local err = h.raises("TypeError", trio.testing.MockClock, { ratee = 1 })
    assert.truthy(err.message:find("ratee", 1, true), err.message)
    h.raises("TypeError", trio.testing.MockClock, { rate = "fast" })
    h.raises("ValueError", trio.testing.MockClock, { rate = -1 })
    h.raises("TypeError", trio.testing.MockClock, { autojump_threshold = "x" })
    local clock = trio.testing.MockClock()
    check_arg("TypeError", ":jump", 1, "seconds", clock.jump, clock, "1")
    check_arg("ValueError", ":jump", 1, "seconds", clock.jump, clock, -1)
    h.raises("TypeError", function() clock.rate = "x" end)
    h.raises("ValueError", function() clock.rate = -1 end)
    h.raises("TypeError", function() clock.autojump_threshold = "soon" end)
    assert.are.equal(0, clock.rate)
    assert.are.equal(math.huge, clock.autojump_threshold)
    check_arg("TypeError", "trio.testing.wait_all_tasks_blocked", 1, "cushion",
      trio.testing.wait_all_tasks_blocked, "0")
  end))

  it("trio.lowlevel.wait_readable and wait_writable", h.async(function()
    check_arg("TypeError", "trio.lowlevel.wait_readable", 1, "sock_or_fd", trio.lowlevel.wait_readable, "0")
    check_arg("TypeError", "trio.lowlevel.wait_writable", 1, "sock_or_fd", trio.lowlevel.wait_writable, {})
    h.raises("TypeError", trio.lowlevel.wait_readable, 1.5)
  end))

  it("trio.lowlevel.notify_closing", h.async(function()
    check_arg("TypeError", "trio.lowlevel.notify_closing", 1, "sock_or_fd", trio.lowlevel.notify_closing, "x")
  end))

  it("trio.iserror", function()
    h.raises("TypeError", trio.iserror, {}, 42)
  end)

  it("integer arguments accept floats with an exact integer value", h.async(function()
    local sem = trio.Semaphore(3.0)
    assert.are.equal(3, sem.value)
    assert.are.equal("integer", math.type(sem.value))
    local tx, rx = trio.open_memory_channel(1.0)
    tx:send_nowait(1)
    h.raises("WouldBlock", tx.send_nowait, tx, 2)
    tx:close(); rx:close()
  end))

  it("an optional argument given as nil is the same as omitted", h.async_mock(function()
    trio.testing.wait_all_tasks_blocked(nil)
    local cs = trio.CancelScope(nil)
    assert.is_false(cs.shield)
    local c = trio.testing.MockClock(nil)
    assert.are.equal(0, c.rate)
    local c2 = trio.testing.MockClock { rate = nil, autojump_threshold = nil }
    assert.are.equal(math.huge, c2.autojump_threshold)
  end))
end)
