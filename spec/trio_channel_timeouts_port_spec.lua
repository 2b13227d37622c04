-- Port of Trio's own tests for memory channels and timeouts
-- (python-trio/trio src/trio/_tests/test_channel.py and test_timeouts.py; the 0.22 layout
-- trio/tests/ has the same cases minus the newer ones noted below).
-- test_channel.py::test_statistics is in trio_sync_port_spec.lua and not repeated here.
--
-- Translation rules:
--  * `None` as a channel value becomes `true` (ltrio channels cannot carry nil, API.md §4).
--  * `async with ch:` / `with ch:` becomes `local _ <close> = ch`.
--  * `async for v in r` becomes `for v in r:iter() do`.
--  * `with move_on_after(t) as cs: body` becomes `local cs = trio.move_on_after(t, body)`; where
--    Trio uses the scope inside the body, trio.CancelScope{deadline = now + t} (which is what
--    Trio's move_on_after builds) is used instead.
--  * Trio's slow real-time tests (check_takes_about) run under a MockClock: the virtual
--    duration is exact, so it is asserted exactly; one real-clock variant keeps only a
--    generous upper bound.
--  * ValueError message regexes become API.md's `<name>: bad argument #<i> '<param>' (...)`.
local h = require "spec.helper"
local trio = require "ltrio"

local wait_all_tasks_blocked = trio.testing.wait_all_tasks_blocked
local open_memory_channel = trio.open_memory_channel
local nan = 0 / 0
local raises = h.raises

local assert_checkpoints = h.assert_checkpoints

local function collect(r)
  local got = {}
  for v in r:iter() do got[#got + 1] = v end
  return got
end

local function range(a, b) -- Python's list(range(a, b))
  local t = {}
  for i = a, b - 1 do t[#t + 1] = i end
  return t
end
local set_of = h.set_of

-- ---------------------------------------------------------------------------
describe("Trio test_channel.py port", function()

  it("test_channel: constructor checks (1.0 is 1 per API.md §1; 1.5 is TypeError; -1 ValueError)", function()
    -- Trio: open_memory_channel(1.0) is TypeError; API.md §1 accepts floats with an exact
    -- integer value, so 1.0 works and a non-whole float is the TypeError.
    local s = open_memory_channel(1.0)
    assert.are.equal(1, s:statistics().max_buffer_size)
    raises("TypeError", open_memory_channel, 1.5)
    local e = raises("ValueError", open_memory_channel, -1)
    h.errmatch(e, "ValueError", "^trio%.open_memory_channel: bad argument #1 'max_buffer'")
  end)

  it("test_channel: open_memory_channel(1.0) reports max_buffer_size as the integer 1 (API.md §1: sizes are integers)", function()
    -- Trio never has a float size (1.0 is TypeError there; max_buffer_size is an int).
    local s, r = open_memory_channel(1.0)
    assert.are.equal("integer", math.type(s:statistics().max_buffer_size))
    assert.are.equal("integer", math.type(r:statistics().max_buffer_size))
  end)

  it("test_channel", h.async(function()
    local s, r = open_memory_channel(2)
    assert.is_string(tostring(s)) -- repr smoke test
    assert.is_string(tostring(r))

    s:send_nowait(1)
    assert_checkpoints(s.send, s, 2)
    raises("WouldBlock", s.send_nowait, s, true)

    assert.are.equal(1, assert_checkpoints(r.receive, r))
    assert.are.equal(2, r:receive_nowait())
    raises("WouldBlock", r.receive_nowait, r)

    s:send_nowait("last")
    s:aclose()
    raises("ClosedResourceError", s.send, s, "too late")
    raises("ClosedResourceError", s.send_nowait, s, "too late")
    raises("ClosedResourceError", s.clone, s)
    s:aclose()

    assert.are.equal("last", r:receive_nowait())
    raises("EndOfChannel", r.receive, r)
    r:aclose()
    raises("ClosedResourceError", r.receive, r)
    raises("ClosedResourceError", r.receive_nowait, r)
    r:aclose()
  end))

  it("test_553", h.async_mock(function()
    local s, r = open_memory_channel(1)
    local timeout_scope = trio.move_on_after(10, r.receive, r)
    assert.is_true(timeout_scope.cancelled_caught)
    s:send("Test for PR #553")
    -- (not in Trio's test) the value went into the buffer, not to the cancelled receiver
    assert.are.equal("Test for PR #553", r:receive_nowait())
  end))

  it("test_channel_multiple_producers", h.async(function()
    local function producer(send_channel, i)
      -- We close our handle when we're done with it
      local _ <close> = send_channel
      for j = 3 * i, 3 * (i + 1) - 1 do
        send_channel:send(j)
      end
    end

    local send_channel, receive_channel = open_memory_channel(0)
    trio.open_nursery(function(nursery)
      -- We hand out clones to all the new producers, and then close the original.
      do
        local _ <close> = send_channel
        for i = 0, 9 do
          nursery:start_soon(producer, send_channel:clone(), i)
        end
      end

      local got = collect(receive_channel)
      table.sort(got)
      assert.are.same(range(0, 30), got)
    end)
  end))

  it("test_channel_multiple_consumers", h.async(function()
    local successful_receivers = {}
    local received = {}

    local function consumer(receive_channel, i)
      for value in receive_channel:iter() do
        successful_receivers[i] = true
        received[#received + 1] = value
      end
    end

    trio.open_nursery(function(nursery)
      local send_channel, receive_channel = open_memory_channel(1)
      local _ <close> = send_channel
      for i = 0, 4 do
        nursery:start_soon(consumer, receive_channel, i)
      end
      wait_all_tasks_blocked()
      for i = 0, 9 do
        send_channel:send(i)
      end
    end)

    assert.are.same(set_of(range(0, 5)), successful_receivers)
    assert.are.equal(10, #received)
    assert.are.same(set_of(range(0, 10)), set_of(received))
  end))

  -- test_close_basics (aclose) and test_close_sync (close) are the same test.
  for _, variant in ipairs { { "test_close_basics", "aclose" }, { "test_close_sync", "close" } } do
    local name, closer = variant[1], variant[2]
    it(name, h.async(function()
      local function do_close(ch) ch[closer](ch) end
      local function send_block(s, expect)
        raises(expect, s.send, s, true)
      end

      -- closing send -> other send gets ClosedResourceError
      local s, r = open_memory_channel(0)
      trio.open_nursery(function(nursery)
        nursery:start_soon(send_block, s, "ClosedResourceError")
        wait_all_tasks_blocked()
        do_close(s)
      end)

      -- and it's persistent
      raises("ClosedResourceError", s.send_nowait, s, true)
      raises("ClosedResourceError", s.send, s, true)

      -- and receive gets EndOfChannel
      raises("EndOfChannel", r.receive_nowait, r)
      raises("EndOfChannel", r.receive, r)

      -- closing receive -> send gets BrokenResourceError
      s, r = open_memory_channel(0)
      trio.open_nursery(function(nursery)
        nursery:start_soon(send_block, s, "BrokenResourceError")
        wait_all_tasks_blocked()
        do_close(r)
      end)

      -- and it's persistent
      raises("BrokenResourceError", s.send_nowait, s, true)
      raises("BrokenResourceError", s.send, s, true)

      -- closing receive -> other receive gets ClosedResourceError
      local function receive_block(rr)
        raises("ClosedResourceError", rr.receive, rr)
      end

      local _s2, r2 = open_memory_channel(0)
      trio.open_nursery(function(nursery)
        nursery:start_soon(receive_block, r2)
        wait_all_tasks_blocked()
        do_close(r2)
      end)

      -- and it's persistent
      raises("ClosedResourceError", r2.receive_nowait, r2)
      raises("ClosedResourceError", r2.receive, r2)
      _s2:close()
    end))
  end

  it("test_receive_channel_clone_and_close", h.async(function()
    local s, r = open_memory_channel(10)

    local r2 = r:clone()
    local r3 = r:clone()

    s:send_nowait(true)
    r:aclose()
    do
      local _ <close> = r2
    end

    raises("ClosedResourceError", r.clone, r)
    raises("ClosedResourceError", r2.clone, r2)

    -- Can still send, r3 is still open
    s:send_nowait(true)

    r3:aclose()

    -- But now the receiver is really closed
    raises("BrokenResourceError", s.send_nowait, s, true)
  end))

  it("test_close_multiple_send_handles", h.async(function()
    -- With multiple send handles, closing one handle only wakes senders on
    -- that handle, but others can continue just fine
    local s1, r = open_memory_channel(0)
    local s2 = s1:clone()

    local function send_will_close()
      raises("ClosedResourceError", s1.send, s1, "nope")
    end

    local function send_will_succeed()
      s2:send("ok")
    end

    trio.open_nursery(function(nursery)
      nursery:start_soon(send_will_close)
      nursery:start_soon(send_will_succeed)
      wait_all_tasks_blocked()
      s1:aclose()
      assert.are.equal("ok", r:receive())
    end)
  end))

  it("test_close_multiple_receive_handles", h.async(function()
    -- With multiple receive handles, closing one handle only wakes receivers on
    -- that handle, but others can continue just fine
    local s, r1 = open_memory_channel(0)
    local r2 = r1:clone()
    local got

    local function receive_will_close()
      raises("ClosedResourceError", r1.receive, r1)
    end

    local function receive_will_succeed()
      got = r2:receive()
      assert.are.equal("ok", got)
    end

    trio.open_nursery(function(nursery)
      nursery:start_soon(receive_will_close)
      nursery:start_soon(receive_will_succeed)
      wait_all_tasks_blocked()
      r1:aclose()
      s:send("ok")
    end)
    assert.are.equal("ok", got)
  end))

  it("test_inf_capacity", h.async(function()
    local send, receive = open_memory_channel(math.huge)

    -- It's accepted, and we can send all day without blocking
    do
      local _ <close> = send
      for i = 0, 9 do
        send:send_nowait(i)
      end
    end

    assert.are.same(range(0, 10), collect(receive))
  end))

  it("test_channel_fairness", h.async(function()
    -- We can remove an item we just sent, and send an item back in after, if
    -- no-one else is waiting.
    local s, r = open_memory_channel(1)
    s:send_nowait(1)
    assert.are.equal(1, r:receive_nowait())
    s:send_nowait(2)
    assert.are.equal(2, r:receive_nowait())

    -- But if someone else is waiting to receive, then they "own" the item we
    -- send, so we can't receive it (even though we run first):
    local result = nil
    local function do_receive(rr)
      result = rr:receive()
    end

    trio.open_nursery(function(nursery)
      nursery:start_soon(do_receive, r)
      wait_all_tasks_blocked()
      s:send_nowait(2)
      raises("WouldBlock", r.receive_nowait, r)
    end)
    assert.are.equal(2, result)

    -- And the analogous situation for send: if we free up a space, we can't
    -- immediately send something in it if someone is already waiting to do that
    s, r = open_memory_channel(1)
    s:send_nowait(1)
    raises("WouldBlock", s.send_nowait, s, true)
    trio.open_nursery(function(nursery)
      nursery:start_soon(s.send, s, 2)
      wait_all_tasks_blocked()
      assert.are.equal(1, r:receive_nowait())
      raises("WouldBlock", s.send_nowait, s, 3)
      assert.are.equal(2, r:receive())
    end)
  end))

  it("test_unbuffered", h.async(function()
    local s, r = open_memory_channel(0)
    raises("WouldBlock", r.receive_nowait, r)
    raises("WouldBlock", s.send_nowait, s, 1)

    local function do_send(ss, v)
      assert_checkpoints(ss.send, ss, v)
    end

    trio.open_nursery(function(nursery)
      nursery:start_soon(do_send, s, 1)
      assert.are.equal(1, assert_checkpoints(r.receive, r))
    end)
    raises("WouldBlock", r.receive_nowait, r)
  end))

  -- test_as_safe_channel_* (main only, 0.30+): trio.as_safe_channel wraps an async
  -- generator in a context manager; Lua has no async generators and API.md has no
  -- as_safe_channel, so there is nothing to translate.
end)

-- ---------------------------------------------------------------------------
-- Not in test_channel.py: behaviours its cases rely on, checked against Trio 0.22
-- (each outcome printed by a Python script under trio.run).
describe("memory channels: further Trio 0.22 behaviours", function()

  it("send of nil is ValueError (API.md §4)", h.async(function()
    local s, r = open_memory_channel(1)
    raises("ValueError", s.send_nowait, s, nil)
    raises("ValueError", s.send, s, nil)
    assert.are.equal(0, s:statistics().current_buffer_used)
    s:close(); r:close()
  end))

  it("a cancelled blocked send delivers nothing; a cancelled blocked receive takes nothing", h.async(function()
    local s, r = open_memory_channel(0)
    trio.open_nursery(function(n)
      n:start_soon(s.send, s, "lost")
      wait_all_tasks_blocked()
      n.cancel_scope:cancel()
    end)
    raises("WouldBlock", r.receive_nowait, r)
    assert.are.equal(0, s:statistics().tasks_waiting_send)
    trio.open_nursery(function(n)
      n:start_soon(r.receive, r)
      wait_all_tasks_blocked()
      n.cancel_scope:cancel()
    end)
    raises("WouldBlock", s.send_nowait, s, 1)
    assert.are.equal(0, s:statistics().tasks_waiting_receive)
  end))

  it("closing the last receiver drops the buffer; a closed handle is Closed before Broken/EndOfChannel", h.async(function()
    local s, r = open_memory_channel(2)
    s:send_nowait(1)
    s:send_nowait(2)
    r:close()
    assert.are.equal(0, s:statistics().current_buffer_used)
    s:close()
    raises("ClosedResourceError", s.send_nowait, s, 1)
    raises("ClosedResourceError", r.receive_nowait, r)
  end))

  it("values buffered before the last sender closed are still received", h.async(function()
    local s, r = open_memory_channel(3)
    s:send_nowait(1)
    s:send_nowait(2)
    s:close()
    assert.are.same({ 1, 2 }, collect(r))
  end))

  it("a blocked sender's value moves into the freed buffer slot", h.async(function()
    local s, r = open_memory_channel(1)
    s:send_nowait(1)
    trio.open_nursery(function(n)
      n:start_soon(s.send, s, 2)
      wait_all_tasks_blocked()
      assert.are.equal(1, r:receive_nowait())
      assert.are.equal(1, s:statistics().current_buffer_used)
      assert.are.equal(0, s:statistics().tasks_waiting_send)
      assert.are.equal(2, r:receive_nowait())
    end)
  end))

  it("blocked receivers get EndOfChannel when the last sender closes; blocked senders Broken only when the last receiver closes", h.async(function()
    local s, r = open_memory_channel(0)
    local res = {}
    local function rcv()
      raises("EndOfChannel", r.receive, r)
      res[#res + 1] = "EOC"
    end
    trio.open_nursery(function(n)
      n:start_soon(rcv)
      n:start_soon(rcv)
      wait_all_tasks_blocked()
      s:close()
    end)
    assert.are.same({ "EOC", "EOC" }, res)

    s, r = open_memory_channel(0)
    local r2 = r:clone()
    res = {}
    trio.open_nursery(function(n)
      n:start_soon(function()
        raises("BrokenResourceError", s.send, s, 1)
        res[#res + 1] = "Broken"
      end)
      wait_all_tasks_blocked()
      r:close()
      wait_all_tasks_blocked()
      res[#res + 1] = s:statistics().tasks_waiting_send == 1 and "still" or "woken"
      r2:aclose()
    end)
    assert.are.same({ "still", "Broken" }, res)
  end))
end)

-- ---------------------------------------------------------------------------
describe("Trio test_timeouts.py port", function()
  local TARGET = 1.0

  -- check_takes_about under a MockClock: the virtual time f takes is exact. Returns f's
  -- pcall results.
  local function takes(f)
    local start = trio.current_time()
    local res = table.pack(pcall(f))
    return trio.current_time() - start, table.unpack(res, 1, res.n)
  end
  local function check_takes_about(f, expected)
    local dur, ok, err = takes(f)
    assert.are.equal(expected, dur)
    if not ok then error(err, 0) end
  end

  it("test_sleep (MockClock)", h.async_mock(function()
    check_takes_about(function() trio.sleep_until(trio.current_time() + TARGET) end, TARGET)
    check_takes_about(function() trio.sleep(TARGET) end, TARGET)

    assert_checkpoints(trio.sleep, 0)
    -- This also serves as a test of the trivial move_on_at
    local cs = trio.move_on_at(trio.current_time(), function()
      raises("Cancelled", trio.sleep, 0)
    end)
    -- (pytest.raises swallowed the Cancelled, so the scope did not catch one)
    assert.is_true(cs.cancel_called)
    assert.is_false(cs.cancelled_caught)
  end))

  it("test_sleep (real clock, generous upper bound only)", h.async(function()
    local T = 0.05
    local start = trio.current_time()
    trio.sleep_until(start + T)
    local mid = trio.current_time()
    assert.is_true(mid >= start + T, "sleep_until returned before its deadline")
    trio.sleep(T)
    local stop = trio.current_time()
    assert.is_true(stop >= mid + T, "sleep returned before its duration")
    assert.is_true(stop - start < 5, "two 0.05 s sleeps took " .. (stop - start) .. " s")
  end))

  it("test_move_on_after", h.async_mock(function()
    local cs
    check_takes_about(function()
      cs = trio.move_on_after(TARGET, trio.sleep, 100)
    end, TARGET)
    assert.is_true(cs.cancelled_caught)
  end))

  -- test_cannot_wake_sleep_forever (main only): needs trio.lowlevel.reschedule of a task
  -- parked in sleep_forever; ltrio's lowlevel.unpark needs the park token, which
  -- sleep_forever keeps private, so a sleeping task cannot be woken by hand. (On 0.22 the
  -- sleep just returned.)

  -- test_context_shields_from_outer[move_on_after, fail_after]. `shield=` on
  -- move_on_after/fail_after is main-only (0.27) and not in API.md: move_on_after(T,
  -- shield=True) is CancelScope{deadline = now + T, shield = true}; for fail_after the
  -- shield goes on a scope just around it (equivalent: nothing runs between them).
  it("test_context_shields_from_outer[move_on_after]", h.async(function()
    local outer = trio.CancelScope()
    outer:run(function()
      local inner = trio.CancelScope { deadline = trio.current_time() + TARGET, shield = true }
      inner:run(function()
        outer:cancel()
        local ok, err = pcall(trio.checkpoint)
        assert(ok, "shield didn't work: " .. tostring(err))
        inner.shield = false
        raises("Cancelled", trio.checkpoint)
      end)
      assert.is_false(inner.cancelled_caught)
    end)
    assert.is_false(outer.cancelled_caught)
  end))

  it("test_context_shields_from_outer[fail_after]", h.async(function()
    local outer = trio.CancelScope()
    outer:run(function()
      local inner = trio.CancelScope { shield = true }
      inner:run(trio.fail_after, TARGET, function()
        outer:cancel()
        local ok, err = pcall(trio.checkpoint)
        assert(ok, "shield didn't work: " .. tostring(err))
        inner.shield = false
        raises("Cancelled", trio.checkpoint)
      end)
    end)
    assert.is_false(outer.cancelled_caught)
  end))

  it("test_move_on_after_moves_on_even_if_shielded", h.async_mock(function()
    local inner
    check_takes_about(function()
      local outer = trio.CancelScope()
      outer:run(function()
        inner = trio.CancelScope { deadline = trio.current_time() + TARGET, shield = true }
        inner:run(function()
          outer:cancel()
          -- The outer scope is cancelled, but this task is protected by the
          -- shield, so it manages to get to sleep until deadline is met
          trio.sleep_forever()
        end)
      end)
    end, TARGET)
    assert.is_true(inner.cancelled_caught)
  end))

  it("test_fail_after_fails_even_if_shielded", h.async_mock(function()
    check_takes_about(function()
      raises("TooSlowError", function()
        local outer = trio.CancelScope()
        outer:run(function()
          trio.CancelScope { shield = true }:run(trio.fail_after, TARGET, function()
            outer:cancel()
            -- The outer scope is cancelled, but this task is protected by the
            -- shield, so it manages to get to sleep until deadline is met
            trio.sleep_forever()
          end)
        end)
      end)
    end, TARGET)
  end))

  it("test_fail", h.async_mock(function()
    local function sleep_4()
      trio.fail_at(trio.current_time() + TARGET, trio.sleep, 100)
    end
    raises("TooSlowError", check_takes_about, sleep_4, TARGET)

    trio.fail_at(trio.current_time() + 100, trio.sleep, 0)

    local function sleep_5()
      trio.fail_after(TARGET, trio.sleep, 100)
    end
    raises("TooSlowError", check_takes_about, sleep_5, TARGET)

    trio.fail_after(100, trio.sleep, 0)
  end))

  it("test_timeouts_raise_value_error", h.async(function()
    -- deadlines are allowed to be negative, but not delays.
    -- neither delays nor deadlines are allowed to be NaN
    for _, c in ipairs {
      { "sleep", -1 },
      { "sleep", nan },
      { "sleep_until", nan },
    } do
      local e = raises("ValueError", trio[c[1]], c[2])
      h.errmatch(e, "ValueError", "^trio%." .. c[1] .. ": bad argument #1 '")
    end

    for _, c in ipairs {
      { "fail_after", -1 },
      { "fail_after", nan },
      { "fail_at", nan },
      { "move_on_after", -1 },
      { "move_on_after", nan },
      { "move_on_at", nan },
    } do
      local ran = false
      local e = raises("ValueError", trio[c[1]], c[2], function() ran = true end)
      h.errmatch(e, "ValueError", "^trio%." .. c[1] .. ": bad argument #1 '")
      assert.is_false(ran, c[1] .. " ran its body")
    end

    -- (the comment's first half) negative deadlines are fine
    local cs = trio.move_on_at(-1e9, trio.sleep, 0)
    assert.is_true(cs.cancelled_caught)
    raises("TooSlowError", trio.fail_at, -1e9, trio.sleep, 0)
    trio.sleep_until(-1e9)
  end))

  -- test_timeout_deadline_on_entry (main): the relative deadline counts from entering the
  -- scope. In Lua move_on_after/fail_after enter their scope when called, so the deadline
  -- is entry + 5; there is no relative_deadline (main-only, not in API.md) or is_relative.
  it("test_timeout_deadline_on_entry", h.async_mock(function(mock_clock)
    mock_clock:jump(3)
    local start = trio.current_time()
    local inside
    local cs = trio.move_on_after(5, function()
      inside = trio.current_effective_deadline()
    end)
    assert.are.equal(start + 5, inside)
    assert.are.equal(start + 5, cs.deadline)

    mock_clock:jump(3)
    start = trio.current_time()
    trio.fail_after(5, function()
      inside = trio.current_effective_deadline()
    end)
    assert.are.equal(start + 5, inside)
  end, { autojump_threshold = math.huge }))

  -- test_timeout_deadline_not_on_entry (main, deprecated 0.22 behaviour: the deadline counted
  -- from the call, before `with`): in Lua the call is the entry, so there is no gap to test.
  -- test_invalid_access_unentered and test_fail_access_before_entering (xfail in Trio):
  -- relative_deadline / is_relative on unentered scopes are main-only and not in API.md.
end)

-- ---------------------------------------------------------------------------
-- Not in test_timeouts.py: behaviours from TRIO-SEMANTICS.md §2.6 / §5, checked against
-- Trio 0.22.
describe("timeouts: further Trio 0.22 behaviours", function()

  it("an outer cancel inside fail_after goes to the outer scope, with no TooSlowError", h.async(function()
    local outer = trio.CancelScope()
    outer:run(function()
      trio.fail_after(10, function()
        outer:cancel()
        trio.sleep(0)
      end)
    end)
    assert.is_true(outer.cancelled_caught)
  end))

  it("fail_at with a past deadline and no checkpoint raises nothing; move_on_after(0) catches at the first checkpoint", h.async(function()
    assert.are.equal(42, trio.fail_at(trio.current_time() - 1, function() return 42 end))
    local cs, v = trio.move_on_after(0, function() trio.sleep(0); return 1 end)
    assert.is_true(cs.cancelled_caught)
    assert.is_nil(v)
  end))

  it("move_on_after / fail_after return the body's results when in time", h.async_mock(function()
    local cs, a, b = trio.move_on_after(5, function() trio.sleep(1); return "a", "b" end)
    assert.is_false(cs.cancelled_caught)
    assert.is_false(cs.cancel_called)
    assert.are.same({ "a", "b" }, { a, b })
    assert.are.same({ 1, 2 }, { trio.fail_after(5, function() trio.sleep(1); return 1, 2 end) })
  end))

  it("move_on_after(5) around sleep_forever returns at exactly +5 (MockClock)", h.async_mock(function()
    local t0 = trio.current_time()
    local cs = trio.move_on_after(5, trio.sleep_forever)
    assert.are.equal(5.0, trio.current_time() - t0)
    assert.is_true(cs.cancelled_caught)
  end))

  it("sleep(math.huge) sleeps until cancelled", h.async_mock(function()
    local cs = trio.move_on_after(1e6, trio.sleep, math.huge)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal(1e6, trio.current_time())
  end))

  it("shortening a deadline while the task sleeps takes effect at once (MockClock)", h.async_mock(function()
    local t0 = trio.current_time()
    local cs = trio.CancelScope { deadline = t0 + 10 }
    cs:run(function()
      trio.open_nursery(function(n)
        n:start_soon(function()
          trio.sleep(1)
          cs.deadline = trio.current_time() + 1
        end)
        trio.sleep_forever()
      end)
    end)
    assert.are.equal(2.0, trio.current_time() - t0)
    assert.is_true(cs.cancelled_caught)
  end))
end)
