-- SocketStream, SocketListener, aclose_forcefully, open_unix_socket, FdStream
-- (API.md §6; TRIO-SEMANTICS §4.1, §4.2, §4.6, §5 items 97-105, 111), on loopback.
local h = require "spec.helper"
local trio = require "ltrio"
local socket = trio.socket
local E = trio.errno

-- A connected TCP pair of streams on 127.0.0.1: client, server.
local function tcp_pair()
  local listener = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
  local port = listener.socket:getsockname()[2]
  local client = trio.open_tcp_stream("127.0.0.1", port)
  local server = listener:accept()
  listener:close()
  return client, server
end

local unix_pair = h.unix_stream_pair

-- A fresh path for an AF_UNIX socket (nothing exists there).
local function tmp_path()
  local p = os.tmpname()
  os.remove(p)
  return p
end

local closing = h.closing

-- Reads from 'stream' until end of file; returns everything.
local function read_all(stream)
  local parts = {}
  while true do
    local data = stream:receive_some()
    if data == "" then return table.concat(parts) end
    parts[#parts + 1] = data
  end
end

-- Sends until the kernel buffers are full and send_all blocks, then cancels it.
local function clog(stream)
  trio.open_nursery(function(nursery)
    nursery:start_soon(function()
      local chunk = string.rep("x", 65536)
      while true do stream:send_all(chunk) end
    end)
    trio.testing.wait_all_tasks_blocked()
    nursery.cancel_scope:cancel()
  end)
end

describe("trio.SocketStream", function()
  it("raises TypeError unless given a socket", h.async(function()
    local err = h.raises("TypeError", trio.SocketStream, {})
    assert.matches("trio.SocketStream: bad argument #1 'sock'", err.message, 1, true)
    h.raises("TypeError", trio.SocketStream, nil)
    h.raises("TypeError", trio.SocketStream, 3)
  end))

  it("raises ValueError for a socket that is not SOCK_STREAM", h.async(function()
    local s <close> = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    h.raises("ValueError", trio.SocketStream, s)
  end))

  it("sets TCP_NODELAY and TCP_NOTSENT_LOWAT 16384 on TCP", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    for _, stream in ipairs{c, s} do
      assert.are_not.equal(0, stream:getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
      if socket.TCP_NOTSENT_LOWAT then
        assert.are.equal(16384, stream:getsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT))
      end
    end
  end))

  it("exposes the wrapped socket as the field 'socket' and refuses new fields", h.async(function()
    local a, b = socket.socketpair()
    local sa, sb = trio.SocketStream(a), trio.SocketStream(b)
    local _ <close> = closing(sa, sb)
    assert.are.equal(a, sa.socket)
    h.raises("AttributeError", function() sa.foo = 1 end)
    assert.is_nil(sa.foo)
  end))

  it("uses the socket its field holds, as Trio's SocketStream.socket attribute", h.async(function()
    local a, b = socket.socketpair()
    local c, d = socket.socketpair()
    local sa = trio.SocketStream(a)
    local _ <close> = closing(sa, b, c, d)
    sa.socket = nil
    assert.is_nil(sa.socket)
    sa.socket = c
    sa:send_all("to d")
    assert.are.equal("to d", d:recv(10))
    d:send("from d")
    assert.are.equal("from d", sa:receive_some())
    a:close()
  end))

  it("names the method and the field when 'socket' no longer holds a socket", h.async(function()
    local a, b = socket.socketpair()
    local sa = trio.SocketStream(a)
    local _ <close> = closing(a, b)
    sa.socket = "not a socket"
    for _, call in ipairs{
      {"receive_some", function() sa:receive_some() end},
      {"send_all", function() sa:send_all("x") end},
      {"send_eof", function() sa:send_eof() end},
      {"close", function() sa:close() end},
      {"getsockopt", function() sa:getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) end},
    } do
      local e = h.raises("TypeError", call[2])
      assert.matches("SocketStream:" .. call[1] .. ": field 'socket' is not a socket (got string)",
        tostring(e), 1, true)
    end
    local ls <close> = socket.socket()
    ls:bind({"127.0.0.1", 0})
    ls:listen(1)
    local listener = trio.SocketListener(ls)
    listener.socket = false
    local e = h.raises("TypeError", function() listener:accept() end)
    assert.matches("SocketListener:accept: field 'socket' is not a socket (got boolean)", tostring(e), 1, true)
  end))

  it("passes setsockopt and getsockopt through (a buflen gives a string)", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    c:setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    assert.are_not.equal(0, c:getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
    assert.are.equal("string", type(c:getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 4)))
  end))

  it("sends and receives; receive_some(n) returns at most n bytes", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    c:send_all("hello world")
    local got = ""
    while #got < 11 do
      local d = s:receive_some(5)
      assert.is_true(#d <= 5)
      got = got .. d
    end
    assert.are.equal("hello world", got)
  end))

  it("ignores arguments past the last parameter, as Lua functions do", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    c:send_all("abc", "extra", 1)
    assert.are.equal("ab", s:receive_some(2, "extra", {}))
    assert.are.equal("c", s:receive_some(nil, "extra"))
  end))

  it("sends a Buffer", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    local buf = trio.Buffer(4)
    buf:fill(65)
    a:send_all(buf)
    assert.are.equal("AAAA", b:receive_some())
  end))

  it("sends a Buffer larger than the socket buffers whole (partial writes go on from a view)", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    local n = 3 * 1024 * 1024
    local buf = trio.Buffer(n)
    buf:fill(66)
    local got = 0
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        c:send_all(buf)
        c:send_eof()
      end)
      while true do
        local d = s:receive_some()
        if d == "" then break end
        assert.is_nil(d:find("[^B]"))
        got = got + #d
      end
    end)
    assert.are.equal(n, got)
  end))

  it("raises API.md §2 argument errors", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    local err = h.raises("TypeError", a.send_all, a, nil)
    assert.are.equal("SocketStream:send_all: bad argument #1 'data' (string or Buffer expected, got nil)",
      err.message)
    h.raises("TypeError", a.send_all, a, 42)
    h.raises("TypeError", a.receive_some, a, "10")
    h.raises("TypeError", a.receive_some, a, 1.5)
  end))

  it("raises ValueError for receive_some(0) and accepts receive_some(nil)", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    local err = h.raises("ValueError", a.receive_some, a, 0)
    assert.matches("SocketStream:receive_some: bad argument #1 'max_bytes'", err.message, 1, true)
    h.raises("ValueError", a.receive_some, a, -1)
    b:send_all("x")
    assert.are.equal("x", a:receive_some(nil))
  end))

  it("receives at most 65536 bytes by default", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() b:send_all(string.rep("y", 200000)) end)
      trio.testing.wait_all_tasks_blocked()
      local n = 0
      while n < 200000 do
        local d = a:receive_some()
        assert.is_true(#d <= 65536)
        n = n + #d
      end
    end)
  end))

  it("checkpoints in send_all('')", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    assert.is_true(h.yields(a.send_all, a, ""))
  end))

  it("send_eof: the peer reads '', then send_all raises ClosedResourceError", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    c:send_all("last")
    c:send_eof()
    assert.are.equal("last", read_all(s))
    assert.are.equal("", s:receive_some())
    local err = h.raises("ClosedResourceError", c.send_all, c, "more")
    assert.are.equal("can't send data after sending EOF", err.message)
    -- the other direction still works
    s:send_all("reply")
    assert.are.equal("reply", c:receive_some())
  end))

  it("makes a second send_eof a no-op checkpoint", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    c:send_eof()
    assert.is_true(h.yields(c.send_eof, c))
    assert.is_true(c.socket.did_shutdown_SHUT_WR)
  end))

  it("raises ClosedResourceError for every operation after aclose (aclose twice is fine)", h.async(function()
    local c, s <close> = tcp_pair()
    c:aclose()
    c:aclose()
    c:close()
    h.raises("ClosedResourceError", c.receive_some, c)
    h.raises("ClosedResourceError", c.send_all, c, "")
    h.raises("ClosedResourceError", c.send_all, c, "data")
    h.raises("ClosedResourceError", c.wait_send_all_might_not_block, c)
    h.raises("ClosedResourceError", c.send_eof, c)
  end))

  it("closes through <close>", h.async(function()
    local a, b = unix_pair()
    do
      local _ <close> = a
    end
    assert.are.equal(-1, a.socket:fileno())
    assert.are.equal("", b:receive_some())
    b:close()
  end))

  it("returns '' repeatedly after the peer's FIN", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    s:close()
    assert.are.equal("", c:receive_some())
    assert.are.equal("", c:receive_some())
  end))

  it("gives the receiver '' or BrokenResourceError, never data, after a forceful close of the sender", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = s
    c:send_all("unread")
    s:receive_some()   -- consumed: nothing is pending when c goes away
    trio.aclose_forcefully(c)
    local ok, data = trio.pcall(s.receive_some, s)
    if ok then
      assert.are.equal("", data)
    else
      assert.is_true(trio.iserror(data, "BrokenResourceError"))
    end
  end))

  it("raises BrokenResourceError (cause EPIPE or ECONNRESET) from send_all once the peer closed", h.async(function()
    local c <close>, s = tcp_pair()
    s:close()
    local err = h.raises("BrokenResourceError", function()
      for _ = 1, 1000 do c:send_all(string.rep("z", 65536)) end
    end)
    assert.is_true(trio.iserror(err.cause, "OSError"))
    assert.is_truthy(err.cause.errno == E.EPIPE or err.cause.errno == E.ECONNRESET)
    -- and it stays broken
    h.raises("BrokenResourceError", c.send_all, c, "again")
  end))

  it("raises BrokenResourceError (ECONNRESET) from receive_some after a peer RST", h.async(function()
    local c <close>, s = tcp_pair()
    s:setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, string.pack("ii", 1, 0))
    s:close()
    local err = h.raises("BrokenResourceError", c.receive_some, c)
    assert.are.equal(E.ECONNRESET, err.cause.errno)
  end))

  it("raises BusyResourceError for a second sender while send_all is blocked", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        c:send_all(string.rep("b", 64 * 1024 * 1024))
      end)
      trio.testing.wait_all_tasks_blocked()
      local msg = "another task is currently sending data on this SocketStream"
      h.errmatch(h.raises("BusyResourceError", c.send_all, c, "x"), "BusyResourceError", msg)
      h.raises("BusyResourceError", c.send_eof, c)
      h.raises("BusyResourceError", c.wait_send_all_might_not_block, c)
      nursery.cancel_scope:cancel()
    end)
  end))

  it("raises BusyResourceError for a second sender during the schedule point of a send_all that did not block", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    local second
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() c:send_all("first") end)
      nursery:start_soon(function() second = table.pack(trio.pcall(c.send_all, c, "second")) end)
    end)
    assert.is_false(second[1])
    h.errmatch(second[2], "BusyResourceError", "another task is currently sending")
    c:send_all("!")  -- the detector is free again
    assert.are.equal("first!", s:receive_some())
  end))

  it("shares the send conflict detector between two streams over one socket", h.async(function()
    local a, b = socket.socketpair()
    local first, second = trio.SocketStream(a), trio.SocketStream(a)
    local peer = trio.SocketStream(b)
    local _ <close> = closing(first, peer)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() first:send_all(string.rep("b", 64 * 1024 * 1024)) end)
      trio.testing.wait_all_tasks_blocked()
      h.raises("BusyResourceError", second.send_all, second, "x")
      nursery.cancel_scope:cancel()
    end)
    -- the cancelled send_all released it: second sends while the peer drains
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() while true do peer:receive_some() end end)
      second:send_all("y")
      nursery.cancel_scope:cancel()
    end)
  end))

  it("releases the send conflict detector when send_all fails", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c)
    s:close()
    local failed = 0
    for _ = 1, 50 do  -- the peer's RST arrives after a send or two
      if not trio.pcall(c.send_all, c, string.rep("x", 65536)) then failed = failed + 1 end
    end
    assert.is_true(failed > 0)
    -- a busy detector would say BusyResourceError; a released one reports the broken stream
    h.raises("BrokenResourceError", c.send_all, c, "x")
  end))

  it("refuses, without touching memory, a stream whose fields hold another library's userdata", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    local raw = a.socket
    for k in pairs(a) do rawset(a, k, io.stdout) end
    for name, call in pairs{send_all = {a.send_all, a, "x"}, receive_some = {a.receive_some, a}} do
      local ok, e = trio.pcall(table.unpack(call))
      assert.is_false(ok)
      assert.matches("SocketStream:" .. name .. ": field 'socket' is not a socket (got userdata)",
        tostring(e), 1, true)
    end
    for k in pairs(a) do rawset(a, k, raw) end
    a:send_all("still works")
    assert.are.equal("still works", b:receive_some())
  end))

  it("raises BusyResourceError for a second receive_some only while the first is blocked", h.async(function()
    local a, b = unix_pair()
    local _ <close> = closing(a, b)
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() a:receive_some() end)
      trio.testing.wait_all_tasks_blocked()
      h.raises("BusyResourceError", a.receive_some, a)
      b:send_all("x")
    end)
    -- nobody blocked now: a second reader is fine
    b:send_all("y")
    assert.are.equal("y", a:receive_some())
  end))

  it("wakes a blocked receive_some with ClosedResourceError when aclose_forcefully closes it", h.async(function()
    local a, b <close> = unix_pair()
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() h.raises("ClosedResourceError", a.receive_some, a) end)
      trio.testing.wait_all_tasks_blocked()
      trio.aclose_forcefully(a)
    end)
    assert.are.equal(-1, a.socket:fileno())
  end))

  it("closes the fd in a cancelled aclose, then raises Cancelled", h.async(function()
    local a, b <close> = unix_pair()
    local cs = trio.CancelScope()
    cs:cancel()
    local err
    cs:run(function()
      local ok, e = pcall(a.aclose, a)
      assert.is_false(ok)
      err = e
    end)
    assert.is_true(trio.iserror(err, "Cancelled"))
    assert.are.equal(-1, a.socket:fileno())
  end))

  it("blocks in wait_send_all_might_not_block while clogged, until the peer drains", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    clog(c)
    assert.is_true(h.blocks(c.wait_send_all_might_not_block, c))
    local done = false
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        c:wait_send_all_might_not_block()
        done = true
      end)
      while not done do
        s:receive_some()
        trio.testing.wait_all_tasks_blocked()
      end
    end)
    assert.is_true(done)
  end))

  it("sets TCP_NOTSENT_LOWAT even when TCP_NODELAY fails with OSError (each on its own, as Trio)", h.async(function()
    local a, b = socket.socketpair()
    local set = {}
    local Fake = setmetatable({}, {__index = socket.SocketType})
    Fake.__index = Fake
    function Fake:setsockopt(_, opt)
      if opt == socket.TCP_NODELAY then error(trio.OSError("refused"), 0) end
      set[#set + 1] = opt
    end
    function Fake:close() self.real:close() end
    function Fake:fileno() return self.real:fileno() end
    local stream = trio.SocketStream(setmetatable({real = a, family = a.family, type = a.type, proto = a.proto}, Fake))
    local _ <close> = closing(stream, b)
    if socket.TCP_NOTSENT_LOWAT then assert.are.same({socket.TCP_NOTSENT_LOWAT}, set) end
  end))

  it("waits in wait_send_all_might_not_block through the socket's own wait_writable (a fake's too)", h.async(function()
    local a, b = socket.socketpair()
    local calls = 0
    local Fake = setmetatable({}, {__index = socket.SocketType})
    Fake.__index = Fake
    function Fake:setsockopt() end
    function Fake:fileno() return self.real:fileno() end
    function Fake:close() self.real:close() end
    function Fake:wait_writable() calls = calls + 1; self.real:wait_writable() end
    local fake = setmetatable({real = a, family = a.family, type = a.type, proto = a.proto}, Fake)
    local stream = trio.SocketStream(fake)
    local _ <close> = closing(stream, b)
    stream:wait_send_all_might_not_block()
    assert.are.equal(1, calls)
  end))

  it("delivers a 5 MB send_all whole, and data sent before a close before EOF", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    local parts = {}
    local pad = string.rep(".", 1015)
    for i = 1, 5 * 1024 do parts[i] = string.format("%08d", i) .. pad .. "\n" end
    local payload = table.concat(parts)
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        c:send_all(payload)
        c:aclose()
      end)
      got = read_all(s)
    end)
    assert.are.equal(#payload, #got)
    assert.is_true(got == payload)
  end))

  it("carries 1 MiB each way at once in random chunks", h.async(function()
    local c, s = tcp_pair()
    local _ <close> = closing(c, s)
    local function make(seed)
      local t = {}
      for i = 1, 1024 do t[i] = string.rep(string.char(65 + (i + seed) % 26), 1024) end
      return table.concat(t)
    end
    local out1, out2 = make(1), make(7)
    local in1, in2
    local function sender(stream, data)
      local pos = 1
      while pos <= #data do
        local n = math.random(1, 100000)
        stream:send_all(data:sub(pos, pos + n - 1))
        pos = pos + n
      end
      stream:send_eof()
    end
    trio.open_nursery(function(nursery)
      nursery:start_soon(sender, c, out1)
      nursery:start_soon(sender, s, out2)
      nursery:start_soon(function() in1 = read_all(s) end)
      nursery:start_soon(function() in2 = read_all(c) end)
    end)
    assert.is_true(in1 == out1)
    assert.is_true(in2 == out2)
  end))
end)

-- A socket from a custom factory: a table that forwards to a real socket and records
-- the calls; SocketStream drives it through its methods only.
local Forwarding = setmetatable({}, {__index = socket.SocketType})
Forwarding.__index = Forwarding
Forwarding.type = socket.SOCK_STREAM
function Forwarding:recv(n) self.calls[#self.calls + 1] = "recv" return self.inner:recv(n) end
function Forwarding:send(data) self.calls[#self.calls + 1] = "send" return self.inner:send(data) end
function Forwarding:setsockopt() end
function Forwarding:close() self.inner:close() end
function Forwarding:fileno() return self.inner:fileno() end

describe("trio.SocketStream over a socket from a custom factory", function()
  it("sends and receives through the socket's own methods, with stream errors", h.async(function()
    local a, b = socket.socketpair()
    local fake = setmetatable({inner = a, calls = {}}, Forwarding)
    local stream = trio.SocketStream(fake)
    local peer = trio.SocketStream(b)
    local _ <close> = closing(stream, peer)
    stream:send_all("ping")
    assert.are.equal("ping", peer:receive_some())
    peer:send_all("pong")
    assert.are.equal("pong", stream:receive_some(10))
    assert.are.same({"send", "recv"}, fake.calls)
    b:close()
    local err = h.raises("BrokenResourceError", function()
      for _ = 1, 100 do stream:send_all(string.rep("x", 65536)) end
    end)
    assert.is_true(trio.iserror(err.cause, "OSError"))
  end))
end)

describe("trio.SocketListener", function()
  it("raises TypeError unless given a socket and ValueError unless it listens", h.async(function()
    h.raises("TypeError", trio.SocketListener, "x")
    local s <close> = socket.socket()
    s:bind({"127.0.0.1", 0})
    local err = h.raises("ValueError", trio.SocketListener, s)
    assert.matches("trio.SocketListener: bad argument #1 'sock'", err.message, 1, true)
    local d <close> = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    h.raises("ValueError", trio.SocketListener, d)
  end))

  it("accepts a SocketStream, checkpointing; aclose twice; accept after it is Closed", h.async(function()
    local s = socket.socket()
    s:bind({"127.0.0.1", 0})
    s:listen()
    local listener = trio.SocketListener(s)
    assert.are.equal(s, listener.socket)
    local client <close> = trio.open_tcp_stream("127.0.0.1", s:getsockname()[2])
    local server
    assert.is_true(h.yields(function() server = listener:accept() end))
    assert.are.equal("ltrio.SocketStream", getmetatable(server).__name)
    client:send_all("hi")
    assert.are.equal("hi", server:receive_some())
    server:close()
    listener:aclose()
    listener:aclose()
    assert.is_true(h.yields(h.raises, "ClosedResourceError", listener.accept, listener))  -- Trio's test
  end))

  it("calls on a closed stream or listener checkpoint before ClosedResourceError (as Trio)", h.async(function()
    local a, b = unix_pair()
    a:close()
    local l = socket.socket(socket.AF_UNIX)
    local path = tmp_path()
    l:bind(path)
    os.remove(path)
    l:listen()
    local listener = trio.SocketListener(l)
    l:close()  -- closed underfoot
    local calls = {
      { a.receive_some, a }, { a.send_all, a, "x" }, { listener.accept, listener },
    }
    for _, c in ipairs(calls) do
      assert.is_true(h.yields(h.raises, "ClosedResourceError", table.unpack(c)))
      local cs = trio.CancelScope()
      cs:run(function()
        cs:cancel()
        h.raises("Cancelled", table.unpack(c))
      end)
    end
    b:close()
  end))

  it("returns the stream alone, its socket knowing its peer, family and type", h.async(function()
    local listener <close> = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
    local client <close> = trio.open_tcp_stream("127.0.0.1", listener.socket:getsockname()[2])
    local results = table.pack(listener:accept())
    assert.are.equal(1, results.n)
    local server <close> = results[1]
    assert.are.same(client.socket:getsockname(), server.socket:getpeername())
    assert.are.equal(socket.AF_INET, server.socket.family)
    assert.are.equal(socket.SOCK_STREAM, server.socket.type)

    local path = tmp_path()
    local s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s:bind(path)
    s:listen()
    local unix_listener <close> = trio.SocketListener(s)
    local unix_client <close> = trio.open_unix_socket(path)
    local unix_server <close> = unix_listener:accept()
    assert.are.equal(socket.AF_UNIX, unix_server.socket.family)
    unix_client:send_all("over unix")
    assert.are.equal("over unix", unix_server:receive_some())
    os.remove(path)
  end))

  it("lets a cancel scope interrupt a blocked accept, then accepts again", h.async(function()
    local listener <close> = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
    local cs = trio.move_on_after(0.05, listener.accept, listener)
    assert.is_true(cs.cancelled_caught)
    local client <close> = trio.open_tcp_stream("127.0.0.1", listener.socket:getsockname()[2])
    local server <close> = listener:accept()
    client:send_all("after the cancel")
    assert.are.equal("after the cancel", server:receive_some())
  end))

  it("wakes a blocked accept with ClosedResourceError when closed", h.async(function()
    local listener = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() h.raises("ClosedResourceError", listener.accept, listener) end)
      trio.testing.wait_all_tasks_blocked()
      listener:close()
    end)
  end))

  -- A fake listening socket whose accept raises the scripted errnos, then succeeds.
  local function fake_listener(errnos)
    local Fake = setmetatable({}, {__index = socket.SocketType})
    Fake.__index = Fake
    local fake = setmetatable({family = socket.AF_INET, type = socket.SOCK_STREAM, proto = 0,
      calls = 0}, Fake)
    function Fake.getsockopt() return 1 end
    function Fake.setsockopt() end
    function Fake.close() end
    function Fake:accept()
      trio.checkpoint()
      self.calls = self.calls + 1
      local en = errnos[self.calls]
      if en then
        local e = trio.OSError("[Errno " .. en .. "] scripted")
        rawset(e, "errno", en)
        error(e, 0)
      end
      local a, b = socket.socketpair()
      self.peer = b
      return a, ""
    end
    return fake
  end

  it("skips ECONNABORTED, EPERM and EPROTO in accept", h.async(function()
    local fake = fake_listener{E.ECONNABORTED, E.EPERM, E.EPROTO}
    local listener = trio.SocketListener(fake)
    local stream = listener:accept()
    assert.are.equal(4, fake.calls)
    stream:close()
    fake.peer:close()
  end))

  for _, name in ipairs{"EMFILE", "EFAULT", "ENOBUFS"} do
    it("raises " .. name .. " from accept", h.async(function()
      local listener = trio.SocketListener(fake_listener{E[name]})
      local err = h.raises("OSError", listener.accept, listener)
      assert.are.equal(E[name], err.errno)
    end))
  end
end)

describe("trio.aclose_forcefully", function()
  it("closes and returns at once, without raising Cancelled", h.async(function()
    local a, b <close> = unix_pair()
    trio.aclose_forcefully(a)
    assert.are.equal(-1, a.socket:fileno())
    assert.are.equal("", b:receive_some())
  end))

  it("closes in a cancelled scope too; that scope catches the Cancelled", h.async(function()
    local a, b <close> = unix_pair()
    local cs = trio.CancelScope()
    cs:cancel()
    local after = false
    cs:run(function()
      trio.aclose_forcefully(a)
      after = true
    end)
    assert.are.equal(-1, a.socket:fileno())
    assert.is_false(after)
    assert.is_true(cs.cancelled_caught)
  end))
end)

describe("trio.open_unix_socket", function()
  it("connects to a listening AF_UNIX socket and returns a SocketStream", h.async(function()
    local path = tmp_path()
    local s <close> = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s:bind(path)
    s:listen()
    local stream <close> = trio.open_unix_socket(path)
    local conn <close> = (s:accept())
    conn:send("via unix")
    assert.are.equal("via unix", stream:receive_some())
    os.remove(path)
  end))

  it("raises OSError ENOENT for a missing path", h.async(function()
    local err = h.raises("OSError", trio.open_unix_socket, tmp_path())
    assert.are.equal(E.ENOENT, err.errno)
  end))

  it("raises TypeError for a path that is not a string", h.async(function()
    h.raises("TypeError", trio.open_unix_socket, 42)
  end))

  it("names itself for a path with a null byte inside (ValueError) or too long (OSError, as Python)", h.async(function()
    h.errmatch(h.raises("ValueError", trio.open_unix_socket, "a\0b"), "ValueError",
      "^trio%.open_unix_socket: bad argument #1 'path' %(AF_UNIX path without a NUL byte expected, got string \"a\\0b\"%)$")
    h.errmatch(h.raises("OSError", trio.open_unix_socket, string.rep("p", 200)), "OSError",
      "^trio.open_unix_socket: AF_UNIX path too long")
  end))
end)

describe("trio.lowlevel.FdStream", function()
  it("is a stream over a dup of a socket fd", h.async(function()
    local a, b = socket.socketpair()
    local fs = trio.lowlevel.FdStream(a:fileno())
    a:close()   -- the stream holds its own dup
    fs:send_all("through the dup")
    assert.are.equal("through the dup", b:recv(100))
    b:send("back")
    assert.are.equal("back", fs:receive_some())
    fs:aclose()
    h.raises("ClosedResourceError", fs.receive_some, fs)
    h.raises("ClosedResourceError", fs.send_all, fs, "x")
    b:close()
  end))

  it("reads a pipe", h.async(function()
    local before = h.fd_set()
    local p = io.popen("printf 'from a pipe'", "r")
    local fd
    for n in pairs(h.fd_set()) do if not before[n] then fd = n end end
    local ok, fs = pcall(trio.lowlevel.FdStream, fd)
    if not ok then
      p:read("a")
      p:close()
      h.pending("FdStream over a non-socket fd: " .. tostring(fs))
    end
    assert.are.equal("from a pipe", read_all(fs))
    fs:close()
    p:close()
  end))

  it("takes a Lua file: io.popen's pipe read as a stream, the file closed on its own", h.async(function()
    local fds = h.fds()
    local p = io.popen("printf 'one\\n'; sleep 0.05; printf 'two\\n'", "r")
    local fs = trio.lowlevel.FdStream(p)
    assert.are.equal("one\ntwo\n", read_all(fs))
    fs:close()
    local ok, how, code = p:close()  -- the file still owns its own fd
    assert.are.same({ true, "exit", 0 }, { ok, how, code })
    assert.are.equal(fds, h.fds())
    h.errmatch(h.raises("ValueError", trio.lowlevel.FdStream, p), "ValueError",
      "trio.lowlevel.FdStream: bad argument #1 'fd' %(open file expected, got closed file%)")
    h.errmatch(h.raises("TypeError", trio.lowlevel.FdStream, "3"), "TypeError",
      "integer fd or file expected, got string")
  end))

  -- io.popen(cmd) for reading, and the fd of its pipe.
  local function popen_fd(cmd)
    local before = h.fd_set()
    local p = io.popen(cmd, "r")
    for n in pairs(h.fd_set()) do if not before[n] then return p, n end end
  end

  -- A FIFO opened "r+": one fd that is both ends of a pipe (Linux), with no child.
  local function fifo()
    local path = tmp_path()
    assert(os.execute("mkfifo " .. path), "mkfifo")
    local f, fd = h.open_fd(path, "r+")
    os.remove(path)
    return f, fd
  end

  it("wakes a reader with ClosedResourceError when closed after its fd became readable (never the fd's next owner)", function()
    local secret = os.tmpname()
    local sf = assert(io.open(secret, "w")); sf:write("SECRET of another file"); sf:close()
    local f, fd = fifo()
    local stream = trio.lowlevel.FdStream(fd)
    local number = stream:fileno()
    local reader, armed, reused, result
    local others = {}
    -- Runs just before the woken reader's step: the stream is closed and its fd
    -- number taken by a regular file, as another task could do in between.
    local instrument = {before_task_step = function(_, task)
      if task ~= reader or not armed then return end
      armed = false
      stream:close()
      for _ = 1, 8 do
        local other, n = h.open_fd(secret)
        others[#others + 1] = other
        if n == number then reused = true break end
      end
    end}
    trio.run_with({instruments = {instrument}}, function()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          reader = trio.lowlevel.current_task()
          result = table.pack(trio.pcall(stream.receive_some, stream, 100))
        end)
        trio.testing.wait_all_tasks_blocked()
        armed = true
        f:write("for the closed stream"); f:flush()   -- makes the reader runnable
      end)
    end)
    for _, other in ipairs(others) do other:close() end
    f:close()
    os.remove(secret)
    if not reused then h.pending("the closed fd number was not reused by the next open") end
    assert.is_false(result[1], "receive_some returned " .. tostring(result[2]))
    h.errmatch(result[2], "ClosedResourceError", "file was already closed")
  end)

  it("gives the caller's fd its blocking mode back when it closes", h.async(function()
    local p, fd = popen_fd("sleep 0.3; printf late")
    local stream = trio.lowlevel.FdStream(fd)
    stream:close()
    -- a blocking read waits for the child's late write; a non-blocking one fails at once
    assert.are.equal("late", p:read("a"))
    p:close()
  end))

  -- Trio's receive_some checkpoints first too; its send_all raises before the checkpoint,
  -- where API.md has every async call check for cancellation and yield first.
  it("raises ClosedResourceError once closed, after a schedule point", h.async(function()
    local p, fd = popen_fd("true")
    local stream = trio.lowlevel.FdStream(fd)
    stream:close()
    p:close()
    assert.is_true(h.yields(h.raises, "ClosedResourceError", stream.receive_some, stream))
    assert.is_true(h.yields(h.raises, "ClosedResourceError", stream.send_all, stream, "x"))
  end))

  it("gives a socket fd its blocking mode back when it closes", h.async(function()
    local a, b = socket.socketpair()
    local fd = a:fileno()
    local core = require "ltrio.core"
    core.fd_nonblocking(fd, false)   -- as a socket a parent process handed over
    local stream = trio.lowlevel.FdStream(fd)
    assert.is_true(core.fd_nonblocking(fd), "the stream's dup is non-blocking")
    stream:close()
    assert.is_false(core.fd_nonblocking(fd))
    a:close(); b:close()
  end))

  it("raises for a bad fd argument", h.async(function()
    h.raises("TypeError", trio.lowlevel.FdStream, "0")
    h.raises("ValueError", trio.lowlevel.FdStream, -1)
    local err = h.raises("OSError", trio.lowlevel.FdStream, 1000)   -- not open
    assert.are.equal(E.EBADF, err.errno)
  end))
end)
