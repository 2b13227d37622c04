-- Port of Trio's own high-level networking tests (python-trio/trio 0.22,
-- trio/_tests/test_highlevel_socket.py, test_highlevel_generic.py,
-- test_highlevel_serve_listeners.py, test_highlevel_open_tcp_listeners.py,
-- test_highlevel_open_unix_stream.py, test_unix_pipes.py) and of the generic stream
-- conformance suite trio/testing/_check_streams.py (check_one_way_stream,
-- check_two_way_stream, check_half_closeable_stream), applied to:
--   SocketStream over socketpair()         (check_half_closeable_stream, as Trio)
--   SocketStream over TCP on 127.0.0.1     (check_half_closeable_stream)
--   FdStream over a pipe                   (check_one_way_stream, as Trio's test_pipe_fully)
--   FdStream over socketpair() fds         (check_two_way_stream; Trio 0.22 passes it too)
-- ltrio has no StapledStream, no memory streams and no trio.testing.check_* helpers,
-- so the conformance suite is written out here, section by section (one `it` each).
-- Translation notes:
--   * assert_checkpoints -> the block must yield to the scheduler (h.yields' probe);
--     as in Trio it is only checked when the block returns normally.
--   * bytearray / memoryview -> trio.Buffer / Buffer:view.
--   * `async with x` -> `<close>` or aclose; _ForceCloseBoth -> force_close_both.
--   * a Python exception class checked with pytest.raises -> h.raises(class name).
--   * stdlib (non-Trio) sockets -> LuaSocket objects.
--   * os.pipe() -> a FIFO opened three times (no os.pipe in Lua): a true pipe pair.
--   * monkeypatching TheIOManager.wait_* -> an instrument's before_task_step, which
--     runs between the wake-up and the read/write, the same window.
local h = require "spec.helper"
local trio = require "ltrio"
local socket = trio.socket
local E = trio.errno

local wait_all_tasks_blocked = trio.testing.wait_all_tasks_blocked
local FdStream = trio.lowlevel.FdStream

-- A test body under trio.run with the leak check, and a generous upper bound (real
-- clock) so that a hang fails instead of eating the run's budget.
local function async(fn)
  return h.async(function() trio.fail_after(60, fn) end)
end

-- ---------------------------------------------------------------------------
-- Helpers of the port.

local assert_checkpoints = h.assert_checkpoints

local function oserror(en, msg)
  local e = trio.OSError(msg or ("[Errno " .. tostring(en) .. "] scripted"))
  rawset(e, "errno", en)
  return e
end

-- _ForceCloseBoth: body(a, b) on a fresh pair, then aclose_forcefully both (finally).
local function force_close_both(maker, body)
  local a, b = maker()
  local ok, err = pcall(body, a, b)
  local ok1, e1 = pcall(trio.aclose_forcefully, a)
  local ok2, e2 = pcall(trio.aclose_forcefully, b)
  if not ok then error(err, 0) end
  if not ok1 then error(e1, 0) end
  if not ok2 then error(e2, 0) end
end

-- A fresh path for an AF_UNIX socket or a FIFO (nothing exists there).
local function tmp_path()
  local p = os.tmpname()
  os.remove(p)
  return p
end

-- os.pipe(): a FIFO opened "r+" (so the next two opens do not block), then read-only
-- and write-only; the "r+" one is closed. Returns the Lua files (read end, write end).
local function os_pipe()
  local path = tmp_path()
  assert(os.execute("mkfifo " .. h.q(path)), "mkfifo")
  local hold = assert(io.open(path, "r+"))
  local rf = assert(io.open(path, "rb"))
  local wf = assert(io.open(path, "wb"))
  hold:close()
  os.remove(path)
  return rf, wf
end

-- fill_stream (test_highlevel_socket.py): send until send_all blocks, then cancel.
local function fill_stream(s)
  trio.open_nursery(function(nursery)
    nursery:start_soon(function()
      local chunk = string.rep("x", 10000)
      while true do s:send_all(chunk) end
    end)
    nursery:start_soon(function()
      wait_all_tasks_blocked()
      nursery.cancel_scope:cancel()
    end)
  end)
end

local function clogged(maker)
  return function()
    local left, right = maker()
    fill_stream(left)
    fill_stream(right)
    return left, right
  end
end

-- trio.testing.open_stream_to_socket_listener
local function open_stream_to_socket_listener(listener)
  local sock = listener.socket
  local addr = sock:getsockname()
  local target
  if sock.family == socket.AF_INET or sock.family == socket.AF_INET6 then
    local hostpart = addr[1]
    if hostpart == "0.0.0.0" then hostpart = "127.0.0.1" end
    if hostpart == "::" then hostpart = "::1" end
    target = {hostpart, addr[2]}
    if addr[3] ~= nil then target[3], target[4] = addr[3], addr[4] end
  else
    target = addr
  end
  local s = socket.socket(sock.family, sock.type, sock.proto)
  local ok, err = pcall(s.connect, s, target)
  if not ok then s:close(); error(err, 0) end
  return trio.SocketStream(s)
end

local function is_socketstream(x)
  local mt = getmetatable(x)
  return type(mt) == "table" and mt.__name == "ltrio.SocketStream"
end
local function is_socketlistener(x)
  local mt = getmetatable(x)
  return type(mt) == "table" and mt.__name == "ltrio.SocketListener"
end

-- random.Random(seed) stand-in: a deterministic xorshift32.
local function Random(seed)
  local x = ((seed + 1) * 2654435761) & 0xFFFFFFFF
  if x == 0 then x = 1 end
  local r = {}
  function r.next32()
    x = x ~ ((x << 13) & 0xFFFFFFFF)
    x = x ~ (x >> 17)
    x = x ~ ((x << 5) & 0xFFFFFFFF)
    return x
  end
  function r.randint(a, b) return a + r.next32() % (b - a + 1) end
  return r
end

local function random_bytes(n, seed)
  local r, parts = Random(seed), {}
  for i = 1, n // 4 do parts[i] = string.pack("<I4", r.next32()) end
  return table.concat(parts)
end

-- ---------------------------------------------------------------------------
-- The makers: each returns a connected (send side, receive side) pair.

local socketpair_streams = h.unix_stream_pair

local function tcp_streams()
  local listener = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
  local ok, client = pcall(open_stream_to_socket_listener, listener)
  if not ok then listener:close(); error(client, 0) end
  local server = listener:accept()
  listener:aclose()
  return client, server
end

-- test_unix_pipes.py make_pipe: (FdStream(w), FdStream(r)); the Lua files are closed,
-- so each stream's dup is the only fd of its end.
local function make_pipe()
  local rf, wf = os_pipe()
  local w, r = FdStream(wf), FdStream(rf)
  rf:close()
  wf:close()
  return w, r
end

-- make_clogged_pipe: only the send side can be filled (the other end is read-only).
local function make_clogged_pipe()
  local w, r = make_pipe()
  fill_stream(w)
  return w, r
end

local function fd_socketpair_streams()
  local a, b = socket.socketpair()
  local fa, fb = FdStream(a:fileno()), FdStream(b:fileno())
  a:close()
  b:close()
  return fa, fb
end

local function flipped(maker)
  return function()
    local a, b = maker()
    return b, a
  end
end

-- ---------------------------------------------------------------------------
-- check_one_way_stream, as a list of sections: {name, fn(stream_maker, clogged_maker)}.

local ONE_WAY = {}
local function section(list, name, fn) list[#list + 1] = {name, fn} end

-- The stream pair of the running section, for the do_* helpers (as Python's closures
-- see the s, r of the latest `async with ... as (s, r)`).
local s, r
local function with_pair(maker, body)
  force_close_both(maker, function(a, b)
    s, r = a, b
    body()
  end)
end

local function do_send_all(data)
  local res = table.pack(assert_checkpoints(s.send_all, s, data))
  assert.is_nil(res[1], "send_all returned a value")
end
local function do_receive_some(...)
  return assert_checkpoints(r.receive_some, r, ...)
end
local function checked_receive_1(expected)
  assert.are.equal(expected, do_receive_some(1))
end
local function do_aclose(resource)
  assert_checkpoints(resource.aclose, resource)
end

section(ONE_WAY, "interface; simple send/receive; argument checks; close semantics", function(maker)
  with_pair(maker, function()
    -- isinstance(s, SendStream), isinstance(r, ReceiveStream)
    for _, m in ipairs{"send_all", "wait_send_all_might_not_block", "aclose"} do
      assert.is_function(s[m], "send side lacks " .. m)
    end
    for _, m in ipairs{"receive_some", "aclose"} do
      assert.is_function(r[m], "receive side lacks " .. m)
    end

    -- Simple sending/receiving
    trio.open_nursery(function(nursery)
      nursery:start_soon(do_send_all, "x")
      nursery:start_soon(checked_receive_1, "x")
    end)

    -- Streams should tolerate sending "" without giving it any special meaning.
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        do_send_all("")
        do_send_all("y")
      end)
      nursery:start_soon(checked_receive_1, "y")
    end)

    -- send_all accepts bytearray and memoryview: a Buffer and a Buffer view
    local buf = trio.Buffer(1)
    buf:fill(string.byte("1"))
    trio.open_nursery(function(nursery)
      nursery:start_soon(do_send_all, buf)
      nursery:start_soon(checked_receive_1, "1")
    end)
    local wide = trio.Buffer(3)
    wide:fill(string.byte("2"))
    trio.open_nursery(function(nursery)
      nursery:start_soon(do_send_all, wide:view(2, 2))
      nursery:start_soon(checked_receive_1, "2")
    end)

    -- max_bytes must be a positive integer
    h.raises("ValueError", r.receive_some, r, -1)
    h.raises("ValueError", r.receive_some, r, 0)
    h.raises("TypeError", r.receive_some, r, 1.5)
    -- it can also be missing or None
    trio.open_nursery(function(nursery)
      nursery:start_soon(do_send_all, "x")
      assert.are.equal("x", do_receive_some())
    end)
    trio.open_nursery(function(nursery)
      nursery:start_soon(do_send_all, "x")
      assert.are.equal("x", do_receive_some(nil))
    end)

    h.raises("BusyResourceError", trio.open_nursery, function(nursery)
      nursery:start_soon(do_receive_some, 1)
      nursery:start_soon(do_receive_some, 1)
    end)

    -- wait_send_all_might_not_block exists, and an empty stream with a blocked
    -- receive_some allows send_all
    trio.open_nursery(function(nursery)
      nursery:start_soon(function(scope)
        assert_checkpoints(s.wait_send_all_might_not_block, s)
        scope:cancel()
      end, nursery.cancel_scope)
      nursery:start_soon(do_receive_some, 1)
    end)

    -- closing the r side leads to BrokenResourceError on the s side (eventually)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        h.raises("BrokenResourceError", function()
          while true do do_send_all(string.rep("x", 100)) end
        end)
      end)
      nursery:start_soon(do_aclose, r)
    end)

    -- once detected, the stream stays broken
    h.raises("BrokenResourceError", do_send_all, string.rep("x", 100))

    -- r closed -> ClosedResourceError on the receive side
    h.raises("ClosedResourceError", do_receive_some, 4096)

    -- we can close the same stream repeatedly, it's fine
    do_aclose(r)
    do_aclose(r)

    -- closing the sender side
    do_aclose(s)

    -- now trying to send raises ClosedResourceError
    h.raises("ClosedResourceError", do_send_all, string.rep("x", 100))
    -- even if it's an empty send
    h.raises("ClosedResourceError", do_send_all, "")
    -- ditto for wait_send_all_might_not_block
    h.raises("ClosedResourceError", assert_checkpoints, s.wait_send_all_might_not_block, s)

    -- and again, repeated closing is fine
    do_aclose(s)
    do_aclose(s)
  end)
end)

section(ONE_WAY, "send then graceful close: the receiver gets the data, then ''", function(maker)
  with_pair(maker, function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        do_send_all("y")
        do_aclose(s)
      end)
      nursery:start_soon(function()
        wait_all_tasks_blocked()
        checked_receive_1("y")
        checked_receive_1("")
        do_aclose(r)
      end)
    end)
  end)
end)

section(ONE_WAY, "forceful close of the receiver: send_all breaks, receive_some is Closed", function(maker)
  with_pair(maker, function()
    trio.aclose_forcefully(r)
    h.raises("BrokenResourceError", function()
      while true do do_send_all(string.rep("x", 100)) end
    end)
    h.raises("ClosedResourceError", do_receive_some, 4096)
  end)
end)

section(ONE_WAY, "forceful close of the sender: send_all is Closed, the receiver gets '' or Broken", function(maker)
  with_pair(maker, function()
    trio.aclose_forcefully(s)
    h.raises("ClosedResourceError", do_send_all, "123")
    local ok, err = pcall(checked_receive_1, "")
    if not ok then h.errmatch(err, "BrokenResourceError") end
  end)
end)

section(ONE_WAY, "a cancelled aclose still closes", function(maker)
  with_pair(maker, function()
    local scope = trio.CancelScope()
    scope:cancel()
    scope:run(r.aclose, r)
    scope = trio.CancelScope()
    scope:cancel()
    scope:run(s.aclose, s)
    h.raises("ClosedResourceError", do_send_all, "123")
    h.raises("ClosedResourceError", do_receive_some, 4096)
  end)
end)

section(ONE_WAY, "graceful close after cancelled operations", function(maker)
  with_pair(maker, function()
    local function expect_cancelled(afn, ...)
      h.raises("Cancelled", afn, ...)
    end
    local scope = trio.CancelScope()
    scope:cancel()
    scope:run(function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(expect_cancelled, do_send_all, "x")
        nursery:start_soon(expect_cancelled, do_receive_some, 1)
      end)
    end)
    trio.open_nursery(function(nursery)
      nursery:start_soon(do_aclose, s)
      nursery:start_soon(do_aclose, r)
    end)
  end)
end)

section(ONE_WAY, "closing the receive stream wakes a blocked receive_some with Closed", function(maker)
  with_pair(maker, function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        h.raises("ClosedResourceError", r.receive_some, r, 10)
      end)
      wait_all_tasks_blocked()
      trio.aclose_forcefully(r)
    end)
  end)
end)

section(ONE_WAY, "clogged: wait_send_all_might_not_block blocks until the receiver drains", function(_, clogged_maker)
  with_pair(clogged_maker, function()
    local record = {}
    local function waiter(cancel_scope)
      record[#record + 1] = "waiter sleeping"
      assert_checkpoints(s.wait_send_all_might_not_block, s)
      record[#record + 1] = "waiter wokeup"
      cancel_scope:cancel()
    end
    local function receiver()
      -- give wait_send_all_might_not_block a chance to block
      wait_all_tasks_blocked()
      record[#record + 1] = "receiver starting"
      while true do r:receive_some(16834) end
    end
    trio.open_nursery(function(nursery)
      nursery:start_soon(waiter, nursery.cancel_scope)
      wait_all_tasks_blocked()
      nursery:start_soon(receiver)
    end)
    assert.are.same({"waiter sleeping", "receiver starting", "waiter wokeup"}, record)
  end)
end)

section(ONE_WAY, "clogged: simultaneous wait_send_all_might_not_block / send_all are Busy", function(_, clogged_maker)
  with_pair(clogged_maker, function()
    h.raises("BusyResourceError", trio.open_nursery, function(nursery)
      nursery:start_soon(s.wait_send_all_might_not_block, s)
      nursery:start_soon(s.wait_send_all_might_not_block, s)
    end)
    h.raises("BusyResourceError", trio.open_nursery, function(nursery)
      nursery:start_soon(s.wait_send_all_might_not_block, s)
      nursery:start_soon(s.send_all, s, "123")
    end)
  end)
  with_pair(clogged_maker, function()
    h.raises("BusyResourceError", trio.open_nursery, function(nursery)
      nursery:start_soon(s.send_all, s, "123")
      nursery:start_soon(s.send_all, s, "123")
    end)
  end)
end)

section(ONE_WAY, "clogged: closing the receiver makes wait_send_all_might_not_block return", function(_, clogged_maker)
  with_pair(clogged_maker, function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        local ok, err = pcall(assert_checkpoints, s.wait_send_all_might_not_block, s)
        if not ok then h.errmatch(err, "BrokenResourceError") end
      end)
      nursery:start_soon(function()
        wait_all_tasks_blocked()
        trio.aclose_forcefully(r)
      end)
    end)
  end)
  -- and again with the call starting after the close
  with_pair(clogged_maker, function()
    trio.aclose_forcefully(r)
    local ok, err = pcall(assert_checkpoints, s.wait_send_all_might_not_block, s)
    if not ok then h.errmatch(err, "BrokenResourceError") end
  end)
end)

section(ONE_WAY, "clogged: closing the send stream wakes a blocked send_all / wait_send_all_might_not_block", function(_, clogged_maker)
  local function close_soon(x)
    wait_all_tasks_blocked()
    trio.aclose_forcefully(x)
  end
  with_pair(clogged_maker, function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(close_soon, s)
      h.raises("ClosedResourceError", s.send_all, s, "xyzzy")
    end)
  end)
  with_pair(clogged_maker, function()
    trio.open_nursery(function(nursery)
      nursery:start_soon(close_soon, s)
      h.raises("ClosedResourceError", s.wait_send_all_might_not_block, s)
    end)
  end)
end)

-- Trio's assert_checkpoints also requires a cancel point (task._cancel_points); the
-- probe above sees only the schedule point, so the other half is checked here: in an
-- already-cancelled scope every async method raises Cancelled and does nothing
-- (Trio 0.22 does so for SocketStream and FdStream; checked with a Python script).
local function raises_cancelled(f, ...)
  local cs = trio.CancelScope()
  cs:cancel()
  local args = table.pack(...)
  local res
  cs:run(function() res = table.pack(pcall(f, table.unpack(args, 1, args.n))) end)
  assert(res ~= nil and not res[1], "returned instead of raising Cancelled")
  h.errmatch(res[2], "Cancelled")
end

local function receive_exactly(st, n)
  local got, have = {}, 0
  while have < n do
    local chunk = st:receive_some(n - have)
    assert(chunk ~= "", "unexpected end of stream")
    got[#got + 1] = chunk
    have = have + #chunk
  end
  return table.concat(got)
end

section(ONE_WAY, "(assert_checkpoints' cancel-point half) cancelled calls raise Cancelled, sending and consuming nothing", function(maker)
  with_pair(maker, function()
    s:send_all("data")   -- waiting for r
    raises_cancelled(s.send_all, s, "")
    raises_cancelled(s.send_all, s, "x")
    raises_cancelled(s.wait_send_all_might_not_block, s)
    raises_cancelled(r.receive_some, r, 10)
    raises_cancelled(r.receive_some, r)
    s:send_all("!")
    assert.are.equal("data!", receive_exactly(r, 5))
  end)
end)

-- check_two_way_stream's own part (after check_one_way_stream both ways).
local TWO_WAY = {}
section(TWO_WAY, "duplex: 1 MiB each way at once in random chunks, then aclose gives the peer ''", function(maker)
  force_close_both(maker, function(s1, s2)
    for _, m in ipairs{"send_all", "wait_send_all_might_not_block", "receive_some", "aclose"} do
      assert.is_function(s1[m])
      assert.is_function(s2[m])
    end
    local DUPLEX_TEST_SIZE = 2 ^ 20 // 1
    local CHUNK_SIZE_MAX = 2 ^ 14 // 1
    local test_data = random_bytes(DUPLEX_TEST_SIZE, 0)

    local function sender(st, data, seed)
      local rnd = Random(seed)
      local off = 0
      while off < #data do
        local chunk_size = rnd.randint(1, CHUNK_SIZE_MAX)
        st:send_all(data:sub(off + 1, off + chunk_size))
        off = off + chunk_size
      end
    end
    local function receiver(st, data, seed)
      local rnd = Random(seed)
      local got, n = {}, 0
      while n < #data do
        local chunk = st:receive_some(rnd.randint(1, CHUNK_SIZE_MAX))
        assert(chunk ~= "", "unexpected end of stream after " .. n .. " bytes")
        got[#got + 1] = chunk
        n = n + #chunk
      end
      assert(table.concat(got) == data, "duplex data corrupted")
    end

    trio.open_nursery(function(nursery)
      nursery:start_soon(sender, s1, test_data, 0)
      nursery:start_soon(sender, s2, test_data:reverse(), 1)
      nursery:start_soon(receiver, s1, test_data:reverse(), 2)
      nursery:start_soon(receiver, s2, test_data, 3)
    end)

    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        assert.are.equal("", s2:receive_some(10))
        s2:aclose()
      end)
      nursery:start_soon(s1.aclose, s1)
    end)
  end)
end)

-- check_half_closeable_stream's own part.
local HALF_CLOSE = {}
section(HALF_CLOSE, "send_eof: x then '' to the peer; send_all Closed; send_eof again; other way still works", function(maker)
  force_close_both(maker, function(s1, s2)
    assert.is_function(s1.send_eof)
    assert.is_function(s2.send_eof)
    local function send_x_then_eof(st)
      st:send_all("x")
      assert_checkpoints(st.send_eof, st)
    end
    local function expect_x_then_eof(rs)
      wait_all_tasks_blocked()
      assert.are.equal("x", rs:receive_some(10))
      assert.are.equal("", rs:receive_some(10))
    end
    trio.open_nursery(function(nursery)
      nursery:start_soon(send_x_then_eof, s1)
      nursery:start_soon(expect_x_then_eof, s2)
    end)
    -- now sending is disallowed
    h.raises("ClosedResourceError", s1.send_all, s1, "y")
    -- but we can do send_eof again
    assert_checkpoints(s1.send_eof, s1)
    -- and we can still send stuff back the other way
    trio.open_nursery(function(nursery)
      nursery:start_soon(send_x_then_eof, s2)
      nursery:start_soon(expect_x_then_eof, s1)
    end)
  end)
end)

section(HALF_CLOSE, "(assert_checkpoints' cancel-point half) a cancelled send_eof raises Cancelled and does not shut down", function(maker)
  force_close_both(maker, function(s1, s2)
    raises_cancelled(s1.send_eof, s1)
    s1:send_all("y")
    assert.are.equal("y", receive_exactly(s2, 1))
    s1:send_eof()
    assert.are.equal("", s2:receive_some(10))
  end)
end)

section(HALF_CLOSE, "clogged: send_all with send_eof, and wait_send_all_might_not_block with send_eof, are Busy", function(_, clogged_maker)
  force_close_both(clogged_maker, function(s1)
    h.raises("BusyResourceError", trio.open_nursery, function(nursery)
      nursery:start_soon(s1.send_all, s1, "x")
      wait_all_tasks_blocked()
      nursery:start_soon(s1.send_eof, s1)
    end)
  end)
  force_close_both(clogged_maker, function(s1)
    h.raises("BusyResourceError", trio.open_nursery, function(nursery)
      nursery:start_soon(s1.wait_send_all_might_not_block, s1)
      wait_all_tasks_blocked()
      nursery:start_soon(s1.send_eof, s1)
    end)
  end)
end)

-- Declares the sections of 'level' ("one-way", "two-way", "half-closeable") for a kind.
local function conformance(kind, maker, clogged_maker, level)
  describe(kind .. " (" .. level .. " stream conformance, trio.testing._check_streams)", function()
    for _, sec in ipairs(ONE_WAY) do
      it("check_one_way_stream: " .. sec[1], async(function() sec[2](maker, clogged_maker) end))
    end
    if level == "one-way" then return end
    for _, sec in ipairs(ONE_WAY) do
      it("check_two_way_stream, flipped: " .. sec[1], async(function()
        sec[2](flipped(maker), flipped(clogged_maker))
      end))
    end
    for _, sec in ipairs(TWO_WAY) do
      it("check_two_way_stream: " .. sec[1], async(function() sec[2](maker, clogged_maker) end))
    end
    if level == "two-way" then return end
    for _, sec in ipairs(HALF_CLOSE) do
      it("check_half_closeable_stream: " .. sec[1], async(function() sec[2](maker, clogged_maker) end))
    end
  end)
end

-- test_highlevel_socket.py::test_SocketStream_generic
conformance("SocketStream over socketpair()", socketpair_streams, clogged(socketpair_streams), "half-closeable")
-- the same over TCP loopback (open_tcp_listeners + a connected client)
conformance("SocketStream over TCP 127.0.0.1", tcp_streams, clogged(tcp_streams), "half-closeable")
-- test_unix_pipes.py::test_pipe_fully (make_pipe / make_clogged_pipe)
conformance("FdStream over a pipe", make_pipe, make_clogged_pipe, "one-way")
-- FdStream is a two-way Stream in Trio; over a socketpair Trio 0.22 passes this.
conformance("FdStream over socketpair() fds", fd_socketpair_streams, clogged(fd_socketpair_streams), "two-way")

-- ---------------------------------------------------------------------------
describe("Trio test_highlevel_socket.py port", function()

  it("test_SocketStream_basics", async(function()
    -- stdlib socket bad (even if connected): a LuaSocket object
    local okls, luasocket = pcall(require, "socket")
    if okls and luasocket.tcp then
      local ls = luasocket.tcp()
      h.raises("TypeError", trio.SocketStream, ls)
      ls:close()
    end
    -- DGRAM socket bad
    do
      local sock <close> = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      h.raises("ValueError", trio.SocketStream, sock)
    end
    do
      local a, b = socket.socketpair()
      local _ <close> = a
      local _ <close> = b
      local st = trio.SocketStream(a)
      assert.is_true(rawequal(a, st.socket))
    end
    -- a real, connected TCP socket for the socket options
    local listen_sock <close> = socket.socket()
    listen_sock:bind({"127.0.0.1", 0})
    listen_sock:listen(1)
    local client_sock <close> = socket.socket()
    client_sock:connect(listen_sock:getsockname())
    local st = trio.SocketStream(client_sock)
    -- TCP_NODELAY enabled by default
    assert.are_not.equal(0, st:getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    -- We can disable it though
    st:setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, false)
    assert.are.equal(0, st:getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    local b = st:getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    assert.is_string(b)
  end))

  it("test_SocketStream_send_all (10 MB Buffer split into parts, then e and EOF)", async(function()
    local BIG = 10000000
    local a_sock, b_sock = socket.socketpair()
    local _ <close> = a_sock
    local _ <close> = b_sock
    local a, b = trio.SocketStream(a_sock), trio.SocketStream(b_sock)
    local data = trio.Buffer(BIG)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        a:send_all(data)
        -- Trio re-allocates the bytearray to catch a leaked memoryview lock; the Lua
        -- analogue: the Buffer is still whole and writable afterwards.
        data:fill(1)
        assert.are.equal(BIG, #data)
      end)
      nursery:start_soon(function()
        -- Make sure the sender fills up the kernel buffers and blocks
        wait_all_tasks_blocked()
        local nbytes = 0
        while nbytes < BIG do
          local chunk = b:receive_some(BIG)
          assert(chunk:find("[^%z]") == nil, "non-NUL byte received")
          nbytes = nbytes + #chunk
        end
        assert.are.equal(BIG, nbytes)
      end)
    end)
    -- that was all the data in there
    a:send_all("e")
    assert.are.equal("e", b:receive_some(10))
    a:send_eof()
    assert.are.equal("", b:receive_some(10))
  end))

  it("test_SocketListener", async(function()
    -- Not a Trio socket
    local okls, luasocket = pcall(require, "socket")
    if okls and luasocket.tcp then
      local ls = luasocket.tcp()
      assert(ls:bind("127.0.0.1", 0))
      assert(ls:listen(10))
      h.raises("TypeError", trio.SocketListener, ls)
      ls:close()
    end
    -- Not a SOCK_STREAM
    do
      local sock <close> = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      sock:bind({"127.0.0.1", 0})
      h.errmatch(h.raises("ValueError", trio.SocketListener, sock), "ValueError", "SOCK_STREAM")
    end
    -- Didn't call listen()
    do
      local sock <close> = socket.socket()
      sock:bind({"127.0.0.1", 0})
      h.errmatch(h.raises("ValueError", trio.SocketListener, sock), "ValueError", "listen")
    end

    local listen_sock = socket.socket()
    listen_sock:bind({"127.0.0.1", 0})
    listen_sock:listen(10)
    local listener = trio.SocketListener(listen_sock)
    assert.is_true(rawequal(listen_sock, listener.socket))

    local client_sock = socket.socket()
    client_sock:connect(listen_sock:getsockname())
    local server_stream = assert_checkpoints(listener.accept, listener)
    assert.is_true(is_socketstream(server_stream))
    assert.are.equal(listen_sock:getsockname(), server_stream.socket:getsockname())
    assert.are.equal(client_sock:getsockname(), server_stream.socket:getpeername())

    assert_checkpoints(listener.aclose, listener)
    assert_checkpoints(listener.aclose, listener)
    assert_checkpoints(h.raises, "ClosedResourceError", listener.accept, listener)

    client_sock:close()
    server_stream:aclose()
  end))

  it("test_SocketListener_socket_closed_underfoot", async(function()
    local listen_sock = socket.socket()
    listen_sock:bind({"127.0.0.1", 0})
    listen_sock:listen(10)
    local listener = trio.SocketListener(listen_sock)
    -- Close the socket, not the listener
    listen_sock:close()
    -- SocketListener gives correct error
    assert_checkpoints(h.raises, "ClosedResourceError", listener.accept, listener)
  end))

  it("test_SocketListener_accept_errors", async(function()
    local FakeSocket = setmetatable({}, {__index = socket.SocketType})
    FakeSocket.__index = FakeSocket
    local function new_fake(events)
      return setmetatable({family = socket.AF_INET, type = socket.SOCK_STREAM, proto = 0,
        events = events, i = 0}, FakeSocket)
    end
    -- Fool the check for SO_ACCEPTCONN in SocketListener
    function FakeSocket.getsockopt() return true end
    function FakeSocket.setsockopt() end
    function FakeSocket.close() end
    function FakeSocket:accept()
      trio.checkpoint()
      self.i = self.i + 1
      local event = self.events[self.i]
      assert(event ~= nil, "StopIteration")
      if trio.iserror(event, "Error") then error(event, 0) end
      return event, nil
    end

    local fake_server_sock = new_fake({})
    local fake_listen_sock = new_fake{
      oserror(E.ECONNABORTED, "Connection aborted"),
      oserror(E.EPERM, "Permission denied"),
      oserror(E.EPROTO, "Bad protocol"),
      fake_server_sock,
      oserror(E.EMFILE, "Out of file descriptors"),
      oserror(E.EFAULT, "attempt to write to read-only memory"),
      oserror(E.ENOBUFS, "out of buffers"),
      fake_server_sock,
    }
    local l = trio.SocketListener(fake_listen_sock)

    local st = assert_checkpoints(l.accept, l)
    assert.is_true(rawequal(fake_server_sock, st.socket))

    for _, code in ipairs{E.EMFILE, E.EFAULT, E.ENOBUFS} do
      local err = assert_checkpoints(h.raises, "OSError", l.accept, l)
      assert.are.equal(code, err.errno)
    end

    st = assert_checkpoints(l.accept, l)
    assert.is_true(rawequal(fake_server_sock, st.socket))
  end))

  it("test_socket_stream_works_when_peer_has_already_closed", async(function()
    local sock_a, sock_b = socket.socketpair()
    local _ <close> = sock_a
    local _ <close> = sock_b
    sock_b:send("x")
    sock_b:close()
    local stream = trio.SocketStream(sock_a)
    assert.are.equal("x", stream:receive_some(1))
    assert.are.equal("", stream:receive_some(1))
  end))
end)

-- ---------------------------------------------------------------------------
-- test_highlevel_generic.py (test_StapledStream, test_StapledStream_with_erroring_close):
-- ltrio has no StapledStream (API.md §6 lists none).

-- ---------------------------------------------------------------------------
-- test_highlevel_serve_listeners.py. Trio's MemoryListener hands out memory stream
-- pairs; ltrio has no memory streams, so the pairs are SocketStreams over
-- socketpair() (the server side wrapped in a plain stream object that supports
-- Trio's close_hook), or plain fake streams where no I/O happens.

local function MemoryListener(make_pair)
  local self = {closed = false, accepted_streams = {}, accept_hook = nil}
  local tx, rx = trio.open_memory_channel(1)
  function self:connect()
    assert(not self.closed)
    local client, server = make_pair()
    tx:send(server)
    return client
  end
  function self:accept()
    trio.checkpoint()
    assert(not self.closed)
    if self.accept_hook ~= nil then self.accept_hook() end
    local stream = rx:receive()
    self.accepted_streams[#self.accepted_streams + 1] = stream
    return stream
  end
  function self:aclose()
    self.closed = true
    trio.checkpoint()
  end
  return self
end

describe("Trio test_highlevel_serve_listeners.py port", function()

  it("test_serve_listeners_basic", async(function()
    local all = {}   -- every SocketStream made, closed at the end
    local function pair()
      local a, b = socket.socketpair()
      local client, inner = trio.SocketStream(a), trio.SocketStream(b)
      all[#all + 1] = client
      all[#all + 1] = inner
      -- a memory-stream-like server side: its close (inside aclose) runs close_hook
      local server = {}
      function server:send_all(d) return inner:send_all(d) end
      function server:receive_some(n) return inner:receive_some(n) end
      function server:aclose()
        inner:close()
        if self.close_hook then self.close_hook() end
        trio.checkpoint()
      end
      return client, server
    end
    local listeners = {MemoryListener(pair), MemoryListener(pair)}
    local record = {}
    local function close_hook()
      -- Make sure this is a forceful close
      assert.are.equal(-math.huge, trio.current_effective_deadline())
      record[#record + 1] = "closed"
    end
    local function handler(stream)
      stream:send_all("123")
      assert.are.equal("456", stream:receive_some(10))
      stream.close_hook = close_hook
    end
    local function client(listener)
      local st = listener:connect()
      assert.are.equal("123", st:receive_some(10))
      st:send_all("456")
    end
    local function do_tests(parent_nursery)
      trio.open_nursery(function(nursery)
        for _, listener in ipairs(listeners) do
          for _ = 1, 3 do nursery:start_soon(client, listener) end
        end
      end)
      wait_all_tasks_blocked()
      -- all 6 streams were closed forcefully (Trio counts 12: 6 x 2 directions)
      assert.are.equal(6, #record)
      parent_nursery.cancel_scope:cancel()
    end
    trio.open_nursery(function(nursery)
      local l2 = nursery:start(trio.serve_listeners, handler, listeners)
      assert.is_true(rawequal(listeners, l2))
      nursery:start_soon(do_tests, nursery)
    end)
    for _, listener in ipairs(listeners) do assert.is_true(listener.closed) end
    for _, st in ipairs(all) do st:close() end
  end))

  it("test_serve_listeners_accept_unrecognized_error", async(function()
    -- KeyError -> a non-ltrio error value; OSError ECONNABORTED is not retried by
    -- serve_listeners (only SocketListener skips it). Trio passes handler=None; ltrio
    -- checks the handler is callable, so a function that is never called is passed.
    for _, err in ipairs{{"KeyError"}, oserror(E.ECONNABORTED, "ECONNABORTED")} do
      local listener = MemoryListener(function() error("unused") end)
      listener.accept_hook = function() error(err, 0) end
      local ok, got = pcall(trio.serve_listeners, function() end, {listener})
      assert.is_false(ok)
      assert.is_true(rawequal(err, got), "got " .. h.describe(got))
    end
  end))

  it("test_serve_listeners_accept_capacity_error", h.async_mock(function()
    local listener = MemoryListener(function() error("unused") end)
    listener.accept_hook = function() error(oserror(E.EMFILE, "out of file descriptors"), 0) end
    local records = {}
    -- It retries every 100 ms, so in 950 ms it will retry at 0, 100, ..., 900 = 10 times total
    trio.move_on_after(0.950, trio.serve_listeners, function() end, {listener},
      {log = function(msg) records[#records + 1] = msg end})
    assert.are.equal(10, #records)
    for _, msg in ipairs(records) do
      assert.matches("retrying", msg, 1, true)
      assert.matches("EMFILE", msg, 1, true)
    end
  end))

  it("test_serve_listeners_connection_nursery", h.async_mock(function()
    local function fake_pair()
      return {}, {aclose = function() trio.checkpoint() end}
    end
    local listener = MemoryListener(fake_pair)
    local running, cancelled, cancelled_when_watcher_done = 0, 0, nil
    local function handler()
      running = running + 1
      local ok, e = pcall(trio.sleep, 1)
      if not ok then cancelled = cancelled + 1; error(e, 0) end
    end
    local Done = setmetatable({}, {__tostring = function() return "Done" end})
    local function connection_watcher()
      local ok, e = pcall(trio.open_nursery, function(nursery)
        trio.started(nursery)
        wait_all_tasks_blocked()
        -- len(nursery.child_tasks) == 10: ltrio nurseries have no child_tasks; the
        -- 10 handlers run, and (below) they were children of this nursery.
        assert.are.equal(10, running)
        error(Done, 0)
      end)
      assert(not ok)
      cancelled_when_watcher_done = cancelled
      error(e, 0)
    end
    local ok, err = pcall(trio.open_nursery, function(nursery)
      local handler_nursery = nursery:start(connection_watcher)
      nursery:start(trio.serve_listeners, handler, {listener}, {handler_nursery = handler_nursery})
      for _ = 1, 10 do nursery:start_soon(listener.connect, listener) end
    end)
    assert.is_false(ok)
    assert.is_true(rawequal(Done, err), "got " .. h.describe(err))
    assert.are.equal(10, cancelled_when_watcher_done)
  end))
end)

-- ---------------------------------------------------------------------------
-- test_highlevel_open_tcp_listeners.py

-- FakeSocket / FakeSocketFactory of the Trio test.
local function FakeSocketFactory(poison_after, raise_on_family)
  local FakeSocket = setmetatable({}, {__index = socket.SocketType})
  FakeSocket.__index = FakeSocket
  function FakeSocket:getsockopt(level, option)
    if level == socket.SOL_SOCKET and option == socket.SO_ACCEPTCONN then return true end
    error("FakeSocket:getsockopt: unexpected option " .. tostring(level) .. "/" .. tostring(option))
  end
  function FakeSocket:setsockopt() end
  function FakeSocket:bind() end
  function FakeSocket:listen(backlog)
    assert(self.backlog == nil, "listen called twice")
    assert(backlog ~= nil, "listen without a backlog")
    self.backlog = backlog
    if self.poison_listen then
      local e = oserror(nil, "whoops")
      rawset(e, "fake", true)   -- FakeOSError
      error(e, 0)
    end
  end
  function FakeSocket:close() self.closed = true end
  local fsf = {poison_after = poison_after, sockets = {}, raise_on_family = raise_on_family or {}}
  function fsf:socket(family, type_, proto)
    local en = self.raise_on_family[family]
    if en then error(oserror(en, "nope"), 0) end
    local sock = setmetatable({family = family, type = type_, proto = proto, closed = false,
      poison_listen = false}, FakeSocket)
    self.poison_after = self.poison_after - 1
    if self.poison_after == 0 then sock.poison_listen = true end
    self.sockets[#self.sockets + 1] = sock
    return sock
  end
  return fsf
end

-- FakeHostnameResolver: getaddrinfo only (Trio's is a plain class with one method).
local function FakeHostnameResolver(family_addr_pairs)
  local res = {}
  function res:getaddrinfo(host, port, family, type_, proto, flags)
    local out = {}
    for _, fa in ipairs(family_addr_pairs) do
      out[#out + 1] = {fa[1], socket.SOCK_STREAM, 0, "", {fa[2], port}}
    end
    return out
  end
  return res
end

describe("Trio test_highlevel_open_tcp_listeners.py port", function()

  it("test_open_tcp_listeners_basic", async(function()
    local listeners = trio.open_tcp_listeners(0)
    assert.is_table(listeners)
    assert.is_true(#listeners >= 1)
    for _, obj in ipairs(listeners) do
      assert.is_true(is_socketlistener(obj))
      -- Binds to wildcard address by default
      assert.is_true(obj.socket.family == socket.AF_INET or obj.socket.family == socket.AF_INET6)
      local hostpart = obj.socket:getsockname()[1]
      assert.is_true(hostpart == "0.0.0.0" or hostpart == "::", hostpart)
    end
    local listener = listeners[1]
    -- Make sure the backlog is at least 2
    local c1 = open_stream_to_socket_listener(listener)
    local c2 = open_stream_to_socket_listener(listener)
    local s1 = listener:accept()
    local s2 = listener:accept()
    s1:send_all("x")
    s2:send_all("x")
    assert.are.equal("x", c1:receive_some(1))
    assert.are.equal("x", c2:receive_some(1))
    for _, resource in ipairs{c1, c2, s1, s2, table.unpack(listeners)} do resource:aclose() end
  end))

  it("test_open_tcp_listeners_specific_port_specific_host", async(function()
    -- Pick a port
    local sock = socket.socket()
    sock:bind({"127.0.0.1", 0})
    local addr = sock:getsockname()
    local hostpart, port = addr[1], addr[2]
    sock:close()
    local listeners = trio.open_tcp_listeners(port, {host = hostpart})
    assert.are.equal(1, #listeners)
    local listener <close> = listeners[1]
    assert.are.equal(listener.socket:getsockname(), {hostpart, port})
  end))

  it("test_open_tcp_listeners_ipv6_v6only", async(function()
    h.skip_unless(h.ipv6, "::1 is not available")
    local listeners = trio.open_tcp_listeners(0, {host = "::1"})
    assert.are.equal(1, #listeners)
    local ipv6_listener <close> = listeners[1]
    local port = ipv6_listener.socket:getsockname()[2]
    h.raises("OSError", trio.open_tcp_stream, "127.0.0.1", port)
  end))

  it("test_open_tcp_listeners_rebind", async(function()
    local l1 = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
    local sockaddr1 = l1.socket:getsockname()

    -- Plain old rebinding while it's still there should fail, even with SO_REUSEADDR
    do
      local probe <close> = socket.socket()
      probe:setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      h.raises("OSError", probe.bind, probe, sockaddr1)
    end

    -- Connections in various states are no obstacle to rebinding after l1 closes.
    local c_established = open_stream_to_socket_listener(l1)
    local s_established = l1:accept()
    local c_time_wait = open_stream_to_socket_listener(l1)
    local s_time_wait = l1:accept()
    -- Server-initiated close leaves socket in TIME_WAIT
    s_time_wait:aclose()
    l1:aclose()
    local l2 = trio.open_tcp_listeners(sockaddr1[2], {host = "127.0.0.1"})[1]
    local sockaddr2 = l2.socket:getsockname()
    assert.are.equal(sockaddr1, sockaddr2)
    assert.are.equal(sockaddr2, s_established.socket:getsockname())
    assert.are.equal(sockaddr2, c_time_wait.socket:getpeername())
    for _, resource in ipairs{l1, l2, c_established, s_established, c_time_wait, s_time_wait} do
      resource:aclose()
    end
  end))

  it("test_open_tcp_listeners_multiple_host_cleanup_on_error", async(function()
    local fsf = FakeSocketFactory(3)
    socket.set_custom_socket_factory(fsf)
    socket.set_custom_hostname_resolver(FakeHostnameResolver{
      {socket.AF_INET, "1.1.1.1"}, {socket.AF_INET, "2.2.2.2"}, {socket.AF_INET, "3.3.3.3"}})
    local err = h.raises("OSError", trio.open_tcp_listeners, 80, {host = "example.org"})
    assert.is_true(err.fake == true, "not the FakeOSError: " .. h.describe(err))
    assert.are.equal(3, #fsf.sockets)
    for i, sock in ipairs(fsf.sockets) do assert.is_true(sock.closed, "socket " .. i .. " left open") end
    socket.set_custom_socket_factory(nil)
    socket.set_custom_hostname_resolver(nil)
  end))

  it("test_open_tcp_listeners_port_checking", async(function()
    local hosts = {n = 2, "127.0.0.1", nil}
    for i = 1, hosts.n do
      local host = hosts[i]
      h.raises("TypeError", trio.open_tcp_listeners, nil, {host = host})
      h.raises("TypeError", trio.open_tcp_listeners, "80", {host = host})
      h.raises("TypeError", trio.open_tcp_listeners, "http", {host = host})
    end
  end))

  it("test_serve_tcp", async(function()
    local function handler(stream) stream:send_all("x") end
    trio.open_nursery(function(nursery)
      local listeners = nursery:start(trio.serve_tcp, handler, 0)
      local stream <close> = open_stream_to_socket_listener(listeners[1])
      assert.are.equal("x", stream:receive_some(1))
      nursery.cancel_scope:cancel()
    end)
  end))

  local AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6
  local family_sets = {
    {name = "{AF_INET}", AF_INET},
    {name = "{AF_INET6}", AF_INET6},
    {name = "{AF_INET, AF_INET6}", AF_INET, AF_INET6},
  }
  for _, try_families in ipairs(family_sets) do
    for _, fail_families in ipairs(family_sets) do
      it("test_open_tcp_listeners_some_address_families_unavailable try=" .. try_families.name ..
        " fail=" .. fail_families.name, async(function()
        local raise_on_family = {}
        for _, fam in ipairs(fail_families) do raise_on_family[fam] = E.EAFNOSUPPORT end
        local fsf = FakeSocketFactory(10, raise_on_family)
        socket.set_custom_socket_factory(fsf)
        local pairs_ = {}
        for _, fam in ipairs(try_families) do pairs_[#pairs_ + 1] = {fam, "foo"} end
        socket.set_custom_hostname_resolver(FakeHostnameResolver(pairs_))

        local should_succeed = {}
        for _, fam in ipairs(try_families) do
          if not raise_on_family[fam] then should_succeed[fam] = true end
        end

        if next(should_succeed) == nil then
          local err = h.raises("OSError", trio.open_tcp_listeners, 80, {host = "example.org"})
          assert.matches("This system doesn't support", tostring(err), 1, true)
          -- Trio: __cause__ is the "nope" error or a group of them
          local causes = rawget(err, "errors") or (rawget(err, "cause") and {err.cause}) or {}
          for _, sub in ipairs(causes) do assert.matches("nope", tostring(sub), 1, true) end
        else
          local listeners = trio.open_tcp_listeners(80)
          for _, listener in ipairs(listeners) do
            assert.is_true(should_succeed[listener.socket.family], "unexpected family")
            should_succeed[listener.socket.family] = nil
          end
          assert.is_nil(next(should_succeed), "a family that should have succeeded is missing")
        end
        socket.set_custom_socket_factory(nil)
        socket.set_custom_hostname_resolver(nil)
      end))
    end
  end

  it("test_open_tcp_listeners_socket_fails_not_afnosupport", async(function()
    local fsf = FakeSocketFactory(10, {[socket.AF_INET] = E.EAFNOSUPPORT, [socket.AF_INET6] = E.EINVAL})
    socket.set_custom_socket_factory(fsf)
    socket.set_custom_hostname_resolver(FakeHostnameResolver{{socket.AF_INET, "foo"}, {socket.AF_INET6, "bar"}})
    local err = h.raises("OSError", trio.open_tcp_listeners, 80, {host = "example.org"})
    assert.are.equal(E.EINVAL, err.errno)
    assert.matches("nope", tostring(err), 1, true)
    socket.set_custom_socket_factory(nil)
    socket.set_custom_hostname_resolver(nil)
  end))

  it("test_open_tcp_listeners_backlog", async(function()
    local fsf = FakeSocketFactory(99)
    socket.set_custom_socket_factory(fsf)
    for _, case in ipairs{{nil, 0xFFFF}, {99999999, 0xFFFF}, {10, 10}, {1, 1}} do
      local listeners = trio.open_tcp_listeners(0, {backlog = case[1]})
      assert.is_true(#listeners > 0)
      for _, listener in ipairs(listeners) do
        assert.are.equal(case[2], listener.socket.backlog)
      end
    end
    socket.set_custom_socket_factory(nil)
  end))
end)

-- ---------------------------------------------------------------------------
describe("Trio test_highlevel_open_unix_stream.py port", function()
  -- test_close_on_error: close_on_error is a private helper of Trio's module.

  for _, filename in ipairs{4, 4.5} do
    it("test_open_with_bad_filename_type " .. tostring(filename), async(function()
      h.raises("TypeError", trio.open_unix_socket, filename)
    end))
  end

  it("test_open_bad_socket", async(function()
    local err = h.raises("OSError", trio.open_unix_socket, tmp_path())   -- FileNotFoundError
    assert.are.equal(E.ENOENT, err.errno)
  end))

  it("test_open_unix_socket (str; trio.Path has no Lua equivalent)", async(function()
    local name = tmp_path()
    local serv_sock <close> = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    serv_sock:bind(name)
    local ok, err = pcall(function()
      serv_sock:listen(1)
      local unix_socket <close> = trio.open_unix_socket(name)
      assert.is_true(is_socketstream(unix_socket))
      local client <close> = (serv_sock:accept())
      unix_socket:send_all("test")
      assert.are.equal("test", client:recv(2048))
      client:send("response")
      assert.are.equal("response", unix_socket:receive_some(2048))
    end)
    os.remove(name)
    if not ok then error(err, 0) end
  end))
end)

-- test_highlevel_ssl_helpers.py: ltrio has no SSL (open_ssl_over_tcp_stream,
-- serve_ssl_over_tcp).

-- ---------------------------------------------------------------------------
-- test_unix_pipes.py (FdStream). ltrio's FdStream works on a dup of the fd it is
-- given (API.md §6), so Trio's `stream.fileno() == fd` becomes "a dup: another fd".

describe("Trio test_unix_pipes.py port (FdStream)", function()

  it("test_send_pipe", async(function()
    local rf, wf = os_pipe()
    do
      local send <close> = FdStream(wf)
      wf:close()
      assert.is_true(send:fileno() >= 0)   -- Trio: == w (ltrio: a dup)
      send:send_all("123")
      assert.are.equal("123", rf:read(3))
    end
    rf:close()
  end))

  it("test_receive_pipe", async(function()
    local rf, wf = os_pipe()
    do
      local recv <close> = FdStream(rf)
      rf:close()
      assert.is_true(recv:fileno() >= 0)   -- Trio: == r (ltrio: a dup)
      wf:write("123")
      wf:flush()
      assert.are.equal("123", recv:receive_some(8))
    end
    wf:close()
  end))

  it("test_pipes_combined", async(function()
    local write, read = make_pipe()
    local count = 2 ^ 20 // 1
    trio.open_nursery(function(n)
      n:start_soon(function()
        local big = trio.Buffer(count)
        write:send_all(big)
      end)
      n:start_soon(function()
        wait_all_tasks_blocked()
        local received = 0
        while received < count do
          received = received + #read:receive_some(4096)
        end
        assert.are.equal(count, received)
      end)
    end)
    read:aclose()
    write:aclose()
  end))

  it("test_pipe_errors", async(function()
    h.raises("TypeError", FdStream, nil)
    local rf, wf = os_pipe()
    wf:close()
    local st <close> = FdStream(rf)
    rf:close()
    h.raises("ValueError", st.receive_some, st, 0)
  end))

  it("test_del", async(function()
    local w, r = make_pipe()
    local f1, f2 = w:fileno(), r:fileno()
    w, r = nil, nil
    collectgarbage()
    collectgarbage()
    local open = h.fd_set()
    assert.is_nil(open[f1], "fd " .. f1 .. " still open")
    assert.is_nil(open[f2], "fd " .. f2 .. " still open")
  end))

  it("test_async_with", async(function()
    local w, r = make_pipe()
    local fw, fr = w:fileno(), r:fileno()
    do
      local _ <close> = w
      local _ <close> = r
    end
    assert.are.equal(-1, w:fileno())
    assert.are.equal(-1, r:fileno())
    local open = h.fd_set()
    assert.is_nil(open[fw])
    assert.is_nil(open[fr])
  end))

  it("test_misdirected_aclose_regression", async(function()
    local w, r = make_pipe()
    local old_r_fd = r:fileno()
    -- Close the original objects
    w:aclose()
    r:aclose()
    -- A new pipe whose receive handle has the old receive handle's number (no dup2
    -- in Lua: make streams over the new read end until one gets that number).
    -- in Lua: fill every free fd number below it with /dev/null, so that the stream's
    -- dup, which takes the lowest free number, gets it).
    local rf2, wf2 = os_pipe()
    local placeholders, open = {}, h.fd_set()
    for n = 0, old_r_fd - 1 do
      if not open[n] then placeholders[#placeholders + 1] = assert(io.open("/dev/null")) end
    end
    local r2 = FdStream(rf2)
    rf2:close()
    for _, f in ipairs(placeholders) do f:close() end
    local _ <close> = r2
    if r2:fileno() ~= old_r_fd then
      wf2:close()
      h.pending("could not get a new stream on fd " .. old_r_fd .. " (got " .. r2:fileno() .. ")")
    end
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        assert.are.equal("", r2:receive_some(10))
      end)
      wait_all_tasks_blocked()
      -- Does aclose() again on the *old* handle wake the task on the *new* one?
      r:aclose()
      wait_all_tasks_blocked()
      -- Close the new write handle so that the task gets an EOF and exits cleanly.
      wf2:close()
    end)
  end))

  -- The close happens between the wake-up of the blocked call and its read/write:
  -- Trio patches wait_readable/wait_writable; here an instrument closes the stream
  -- just before the woken task's step.
  it("test_close_at_bad_time_for_receive_some", function()
    h.checked(function()
      local s_, r_, reader, armed, fired
      local inst = {before_task_step = function(_, task)
        if armed and task == reader then
          armed = false
          fired = true
          r_:close()
        end
      end}
      trio.run_with({instruments = {inst}}, function()
        trio.fail_after(60, function()
          s_, r_ = make_pipe()
          trio.open_nursery(function(nursery)
            nursery:start_soon(function()
              reader = trio.lowlevel.current_task()
              h.raises("ClosedResourceError", r_.receive_some, r_, 10)
            end)
            wait_all_tasks_blocked()
            armed = true
            -- Trigger everything by waking up the receiver
            s_:send_all("x")
          end)
          s_:close()
          r_:close()
        end)
      end)
      assert.is_true(fired, "the reader was never woken")
    end)
  end)

  it("test_close_at_bad_time_for_send_all", function()
    h.checked(function()
      local s_, r_, writer, armed, fired
      local inst = {before_task_step = function(_, task)
        if armed and task == writer then
          armed = false
          fired = true
          s_:close()
        end
      end}
      trio.run_with({instruments = {inst}}, function()
        trio.fail_after(60, function()
          s_, r_ = make_clogged_pipe()
          trio.open_nursery(function(nursery)
            nursery:start_soon(function()
              writer = trio.lowlevel.current_task()
              h.raises("ClosedResourceError", s_.send_all, s_, string.rep("x", 100))
            end)
            wait_all_tasks_blocked()
            armed = true
            -- wake the sender by draining the pipe; EOF comes once it was closed
            local received = r_:receive_some(10000)
            while received ~= "" do received = r_:receive_some(10000) end
          end)
          s_:close()
          r_:close()
        end)
      end)
      assert.is_true(fired, "the writer was never woken")
    end)
  end)

  -- test_bizarro_OSError_from_receive: needs os.dup2 of a directory fd over the
  -- stream's fd; Lua has no dup2 and ltrio exposes none.
end)
