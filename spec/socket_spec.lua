-- spec/socket_spec.lua - trio.socket sockets: construction, the checkpoint protocol,
-- TCP/UDP/Unix traffic, closing and conflicts, fd passing, sendfile, bad input.
local h = require "spec.helper"
local trio = h.trio
local S = trio.socket

local function tcp_pair()
  local l = S.socket()
  l:bind({ "127.0.0.1", 0 })
  l:listen()
  local c = S.socket()
  c:connect(l:getsockname())
  local s = l:accept()
  l:close()
  return c, s
end

local closing = h.closing

local function cloexec(fd)
  -- /proc/self/fdinfo/N: "flags: 0nnnnnnn" in octal; O_CLOEXEC is 02000000
  local f = assert(io.open("/proc/self/fdinfo/" .. fd))
  local flags = f:read("a"):match("flags:%s*(%d+)")
  f:close()
  return (tonumber(flags, 8) & tonumber("2000000", 8)) ~= 0
end

local function nonblocking(fd)
  local f = assert(io.open("/proc/self/fdinfo/" .. fd))
  local flags = f:read("a"):match("flags:%s*(%d+)")
  f:close()
  return (tonumber(flags, 8) & tonumber("4000", 8)) ~= 0
end

describe("trio.socket.socket", function()
  it("defaults to AF_INET, SOCK_STREAM, 0 and makes a non-blocking close-on-exec fd", h.async(function()
    local s <close> = S.socket()
    assert.equal(S.AF_INET, s.family)
    assert.equal(S.SOCK_STREAM, s.type)
    assert.equal(0, s.proto)
    assert.is_true(nonblocking(s:fileno()))
    assert.is_true(cloexec(s:fileno()))
    assert.is_false(s.did_shutdown_SHUT_WR)
    assert.is_true(S.is_socket(s))
    assert.matches("^ltrio.socket %(fd %d+%)$", tostring(s))
  end))

  it("works outside a run for sync calls", function()
    local before = h.snapshot()
    local a, b = S.socketpair()
    assert.is_true(S.is_socket(a))
    a:close()
    b:close()
    h.check_leaks(before)
  end)

  it("sniffs family and type from a fileno; fromfd dups", h.async(function()
    local u = S.socket(S.AF_INET, S.SOCK_DGRAM)
    local f = S.fromfd(u:fileno(), S.AF_INET6, S.SOCK_STREAM)
    assert.are_not.equal(u:fileno(), f:fileno())
    assert.equal(S.AF_INET, f.family)
    assert.equal(S.SOCK_DGRAM, f.type)
    assert.is_true(cloexec(f:fileno()))
    local fd = u:detach()
    assert.equal(-1, u:fileno())
    local adopted = S.socket(S.AF_UNIX, S.SOCK_STREAM, 0, fd)
    assert.equal(S.AF_INET, adopted.family)
    assert.equal(S.SOCK_DGRAM, adopted.type)
    assert.equal(S.IPPROTO_UDP, adopted.proto)
    adopted:close()
    f:close()
  end))

  it("refuses SocketType() and bad from_stdlib_socket arguments", function()
    h.raises("TypeError", S.SocketType)
    h.raises("TypeError", S.from_stdlib_socket, "x")
    h.raises("TypeError", S.from_stdlib_socket, {})
    h.raises("TypeError", S.from_stdlib_socket, "3")  -- a numeric string is not an fd
    for _, v in ipairs{1.5, 2^63, 1e300} do  -- numbers that are no integer fd
      h.errmatch(h.raises("TypeError", S.from_stdlib_socket, v), "TypeError",
        "trio.socket.from_stdlib_socket: bad argument #1 'sock'")
    end
    assert.is_false(S.is_socket({}))
    assert.is_false(S.is_socket(1))
  end)

  it("adopts an integer fd and a LuaSocket object", h.async(function()
    local a, b = S.socketpair()
    local fd = a:detach()
    local s = S.from_stdlib_socket(fd)
    assert.equal(fd, s:fileno())
    s:close()
    b:close()
    local okls, ls = pcall(require, "socket")
    if okls then
      local t = ls.tcp()
      assert(t:bind("127.0.0.1", 0))
      local lfd = t:getfd()
      local s2 = S.from_stdlib_socket(t)
      assert.equal(lfd, s2:fileno())
      assert.equal(-1, math.tointeger(t:getfd()))
      t:close()
      s2:close()
    end
  end))

  it("has the names Trio leaves out raise AttributeError naming the replacement", function()
    local e = h.raises("AttributeError", function() return S.gethostbyname end)
    assert.matches("getaddrinfo", e.message)
    e = h.raises("AttributeError", function() return S.create_connection end)
    assert.matches("open_tcp_stream", e.message)
    e = h.raises("AttributeError", function() return S.fromshare end)
    assert.matches("Windows", e.message)
    h.raises("AttributeError", function() return S.getdefaulttimeout end)
    assert.is_nil(S.no_such_name)
    assert.is_function(S.ntohl)
    local a, b = S.socketpair()
    for _, m in ipairs { "sendall", "makefile", "settimeout", "setblocking", "gettimeout", "getblocking" } do
      h.raises("AttributeError", function() return a[m] end)
    end
    h.raises("AttributeError", function() a.family = 3 end)
    a:close()
    b:close()
  end)

  it("compares sockets by identity (__eq), whatever the other operand's __eq says", h.async(function()
    local a, b = S.socketpair()
    local _ <close> = h.closing(a, b)
    local u <close> = S.socket(S.AF_INET, S.SOCK_DGRAM)
    -- each kind's metatable and the class metatable (for kinds past the table) have it
    for _, mt in ipairs { getmetatable(a), getmetatable(u), debug.getregistry()["ltrio.socket"] } do
      assert.is_function(rawget(mt, "__eq"))
      assert.is_true(mt.__eq(a, a))
      assert.is_false(mt.__eq(a, b))
    end
    assert.is_true(a == a)
    assert.is_false(a == b)
    assert.is_true(a ~= b)
    -- a userdata whose __eq says yes to anything: the socket's own __eq decides
    local odd = trio.Buffer(1)
    debug.setmetatable(odd, { __eq = function() return true end })
    assert.is_false(a == odd)
    a:shutdown(S.SHUT_WR)  -- the socket moves to another kind's metatable
    assert.is_function(rawget(getmetatable(a), "__eq"))
    assert.is_false(a == odd)
  end))
end)

describe("socket methods", function()
  it("send/recv on a pair; recv blocks until data and is cancellable", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    assert.is_true(h.blocks(b.recv, b, 10))
    assert.equal(5, a:send("hello"))
    assert.equal("hello", b:recv(10))
  end))

  it("is a checkpoint even when data is waiting", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    a:send("xy")
    assert.is_true(h.yields(b.recv, b, 1))
    assert.is_true(h.yields(a.send, a, "z"))
  end))

  it("consumes nothing and sends nothing when cancelled", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    a:send("data")
    local cs = trio.move_on_after(0, function() b:recv(10) end)
    assert.is_true(cs.cancelled_caught)
    cs = trio.move_on_after(0, function() a:send("more") end)
    assert.is_true(cs.cancelled_caught)
    assert.equal("data", b:recv(100))
    assert.is_false(b:is_readable())
  end))

  it("recv(0) and recv_into of an empty Buffer return at once, with no data waiting, and consume nothing (as Python's)", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    assert.are.equal("", trio.fail_after(5, a.recv, a, 0))
    b:send("kept")
    assert.are.equal("", a:recv(0))
    assert.are.equal("kept", a:recv(10))
    local c, d = S.socketpair(S.AF_UNIX, S.SOCK_DGRAM)
    local _g2 <close> = closing(c, d)
    assert.are.equal(0, trio.fail_after(5, c.recv_into, c, trio.Buffer(0)))
    d:send("datagram")
    assert.are.equal(0, c:recv_into(trio.Buffer(0)))
    assert.are.equal("datagram", c:recv(100), "an empty recv_into left the datagram queued")
  end))

  it("is_readable is false on a fresh pair and true after the peer sends", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    assert.is_false(a:is_readable())
    b:send("x")
    assert.is_true(a:is_readable())
    a:recv(1)
    assert.is_false(a:is_readable())
  end))

  it("wait_writable returns while there is room, blocks while the buffer is full, raises once closed", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    a:wait_writable()
    local chunk = string.rep("x", 65536)
    trio.move_on_after(0.2, function() while true do a:send(chunk) end end)
    assert.is_true(h.blocks(a.wait_writable, a))
    a:close()
    h.errmatch(h.raises("ClosedResourceError", a.wait_writable, a), "ClosedResourceError",
      "socket:wait_writable")
    h.raises("TypeError", a.wait_writable, {})
  end))

  it("a call in a cancelled scope lets the other tasks run before it raises Cancelled (Trio's checkpoint)", h.async(function()
    local a, b = S.socketpair()
    local c, d = S.socketpair()
    local stream = trio.SocketStream(c)
    local _g <close> = closing(a, b, stream, d)
    local calls = {
      checkpoint_if_cancelled = function() trio.checkpoint_if_cancelled() end,
      recv = function() a:recv(1) end,
      send = function() a:send("x") end,
      wait_readable = function() trio.lowlevel.wait_readable(a) end,
      wait_writable = function() a:wait_writable() end,
      getaddrinfo = function() S.getaddrinfo("127.0.0.1", 80) end,
      getnameinfo = function() S.getnameinfo({"127.0.0.1", 80}, 0) end,
      receive_some = function() stream:receive_some() end,
      send_all = function() stream:send_all("x") end,
      connect = function()
        local s <close> = S.socket()
        s:connect({"127.0.0.1", 9})
      end,
      sleep = function() trio.sleep(1) end,
    }
    for name, call in pairs(calls) do
      local cs = trio.CancelScope()
      cs:cancel()
      assert(h.yields(cs.run, cs, h.raises, "Cancelled", call), name .. " raised Cancelled without a schedule point")
    end
    assert.are.equal("", b:is_readable() and b:recv(10) or "", "a cancelled send sent nothing")
  end))

  it("close wakes a waiting recv and accept with ClosedResourceError", h.async(function()
    local a, b = S.socketpair()
    local l = S.socket()
    l:bind({ "127.0.0.1", 0 })
    l:listen()
    trio.open_nursery(function(n)
      n:start_soon(function() h.raises("ClosedResourceError", a.recv, a, 10) end)
      n:start_soon(function() h.raises("ClosedResourceError", l.accept, l) end)
      trio.testing.wait_all_tasks_blocked()
      assert.equal(2, trio.lowlevel.current_statistics().io_statistics.tasks_waiting_read)
      a:close()
      l:close()
    end)
    b:close()
  end))

  it("detach wakes waiters too, and the detached fd stays open", h.async(function()
    local a, b = S.socketpair()
    local fd
    trio.open_nursery(function(n)
      n:start_soon(function() h.raises("ClosedResourceError", a.recv, a, 10) end)
      trio.testing.wait_all_tasks_blocked()
      fd = a:detach()
    end)
    local s = S.from_stdlib_socket(fd)
    b:send("still open")
    assert.equal("still open", s:recv(100))
    s:close()
    b:close()
  end))

  it("a <close> exit also wakes waiters", h.async(function()
    local a, b = S.socketpair()
    trio.open_nursery(function(n)
      n:start_soon(function() h.raises("ClosedResourceError", a.recv, a, 10) end)
      trio.testing.wait_all_tasks_blocked()
      do local _ <close> = a end
    end)
    b:close()
  end))

  it("a second blocked reader or writer gets BusyResourceError; a sender beside a reader is fine", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    trio.open_nursery(function(n)
      n:start_soon(function() assert.equal("x", a:recv(10)) end)
      trio.testing.wait_all_tasks_blocked()
      h.raises("BusyResourceError", a.recv, a, 10)
      assert.equal(1, a:send("y"))
      b:send("x")
    end)
    assert.equal("y", b:recv(1))
    -- writers: fill the buffer
    local chunk = string.rep("x", 65536)
    local ok = true
    while ok do
      ok = trio.move_on_after(0.0, function() return true end) ~= nil
      local cs = trio.move_on_after(0.2, function() a:send(chunk) end)
      if cs.cancelled_caught then break end
    end
    trio.open_nursery(function(n)
      n:start_soon(function() h.raises("Cancelled", function()
        trio.CancelScope():run(function() a:send(chunk) end) end) end)
      trio.testing.wait_all_tasks_blocked()
      h.raises("BusyResourceError", a.send, a, "z")
      n.cancel_scope:cancel()
    end)
  end))

  it("closing wakes both a blocked sender and a blocked receiver", h.async(function()
    local a, b = S.socketpair()
    local chunk = string.rep("x", 65536)
    while not trio.move_on_after(0.2, function() a:send(chunk) end).cancelled_caught do end
    trio.open_nursery(function(n)
      n:start_soon(function() h.raises("ClosedResourceError", a.send, a, chunk) end)
      n:start_soon(function() h.raises("ClosedResourceError", a.recv, a, 1) end)
      trio.testing.wait_all_tasks_blocked()
      a:close()
    end)
    b:close()
  end))

  it("raises ClosedResourceError for async and EBADF for sync calls on a closed socket", h.async(function()
    local a, b = S.socketpair()
    a:close()
    a:close()
    assert.equal(-1, a:fileno())
    assert.equal(-1, a:detach())
    assert.equal("ltrio.socket (closed)", tostring(a))
    assert.equal(S.AF_UNIX, a.family)
    -- each async method, as Trio's: Cancelled first, else a schedule point, then Closed
    local calls = {
      recv = { 1 }, send = { "x" }, accept = {}, connect = { "/nonexistent" }, bind = { "" },
      recvfrom = { 1 }, sendto = { "x", "/nonexistent" }, recvmsg = { 1 }, sendmsg = { { "x" } },
      recv_into = { trio.Buffer(4) }, recvfrom_into = { trio.Buffer(4) },
    }
    for m, args in pairs(calls) do
      local ran = false
      trio.open_nursery(function(n)
        n:start_soon(function() ran = true end)
        local e = h.raises("ClosedResourceError", a[m], a, table.unpack(args))
        assert.matches("the socket is closed", e.message, 1, true)
        assert.is_true(ran, m .. " raised without a schedule point")
      end)
      local cs = trio.CancelScope()
      cs:run(function()
        cs:cancel()
        h.raises("Cancelled", a[m], a, table.unpack(args))
      end)
    end
    for _, call in ipairs {
      function() a:getsockname() end, function() a:getpeername() end,
      function() a:listen() end, function() a:shutdown(S.SHUT_WR) end,
      function() a:getsockopt(S.SOL_SOCKET, S.SO_TYPE) end,
      function() a:setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1) end,
      function() a:is_readable() end, function() a:dup() end,
      function() a:get_inheritable() end, function() a:set_inheritable(true) end,
    } do
      local e = h.raises("OSError", call)
      assert.equal(trio.errno.EBADF, e.errno)
    end
    b:close()
  end))

  it("shutdown(SHUT_WR) sets did_shutdown_SHUT_WR and the peer reads EOF", h.async(function()
    local a, b = tcp_pair()
    local _g <close> = closing(a, b)
    a:shutdown(S.SHUT_WR)
    assert.is_true(a.did_shutdown_SHUT_WR)
    assert.equal("", b:recv(10))
    b:send("back")
    assert.equal("back", a:recv(10))
  end))

  it("SHUT_RD leaves did_shutdown_SHUT_WR false; SHUT_RDWR sets it", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    a:shutdown(S.SHUT_RD)
    assert.is_false(a.did_shutdown_SHUT_WR)
    b:shutdown(S.SHUT_RDWR)
    assert.is_true(b.did_shutdown_SHUT_WR)
    h.raises("OSError", a.shutdown, a, -5)
    h.raises("TypeError", a.shutdown, a, "both")
  end))

  it("keeps each socket's fields its own: a shutdown changes only that socket", h.async(function()
    local a, b = tcp_pair()
    local u1, u2 = S.socketpair(S.AF_UNIX, S.SOCK_DGRAM)
    local d = a:dup()
    local f = S.fromfd(b:fileno())
    local _g <close> = closing(a, b, u1, u2, d, f)
    for _, s in ipairs { a, b, d, f } do
      assert.are.same({ S.AF_INET, S.SOCK_STREAM, false },
        { s.family, s.type, s.did_shutdown_SHUT_WR })
    end
    assert.are.same({ S.AF_UNIX, S.SOCK_DGRAM }, { u1.family, u2.type })
    a:shutdown(S.SHUT_WR)
    a:shutdown(S.SHUT_WR)
    assert.are.same({ true, false, false }, { a.did_shutdown_SHUT_WR, d.did_shutdown_SHUT_WR,
      b.did_shutdown_SHUT_WR })
    assert.are.same({ S.AF_INET, S.SOCK_STREAM }, { a.family, a.type })
    assert.equal("", b:recv(10))    -- methods still found after the change
    d:close()
    assert.is_true(a.did_shutdown_SHUT_WR)
    h.raises("AttributeError", function() return a.setblocking end)
    h.raises("AttributeError", function() a.family = S.AF_INET6 end)
  end))

  it("dup gives a new fd that outlives the original", h.async(function()
    local a, b = S.socketpair()
    local d = a:dup()
    assert.are_not.equal(a:fileno(), d:fileno())
    assert.is_true(cloexec(d:fileno()))
    a:close()
    d:send("x")
    assert.equal("x", b:recv(1))
    d:close()
    b:close()
  end))

  it("get_inheritable / set_inheritable", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    assert.is_false(a:get_inheritable())
    a:set_inheritable(true)
    assert.is_true(a:get_inheritable())
    a:set_inheritable(false)
    assert.is_false(a:get_inheritable())
  end))
end)

describe("socket:connect / accept", function()
  it("connects to a listening port; accept gives a non-blocking socket and the peer address", h.async(function()
    local l <close> = S.socket()
    l:bind({ "127.0.0.1", 0 })
    l:listen()
    local c <close> = S.socket()
    c:connect(l:getsockname())
    local s <close>, addr = l:accept()
    assert.is_true(S.is_socket(s))
    assert.is_true(nonblocking(s:fileno()))
    assert.is_true(cloexec(s:fileno()))
    assert.equal(c:getsockname(), addr)
    assert.equal(s:getpeername(), addr)
    assert.equal(l:getsockname(), c:getpeername())
  end))

  it("raises ECONNREFUSED with Trio's message for a closed port", h.async(function()
    local c <close> = S.socket()
    local e = h.raises("OSError", c.connect, c, { "127.0.0.1", 2 })
    assert.equal(trio.errno.ECONNREFUSED, e.errno)
    assert.equal("Error connecting to 127.0.0.1:2: Connection refused", e.message)
    assert.is_true(c:fileno() >= 0)  -- other failures leave it open
    local u <close> = S.socket(S.AF_UNIX, S.SOCK_DGRAM)  -- an abstract name, NUL shown escaped
    e = h.raises("OSError", u.connect, u, "\0ltrio-no-such-name")
    assert.equal("Error connecting to \\0ltrio-no-such-name: Connection refused", e.message)
  end))

  it("closes the socket when cancelled before or during the connect", h.async(function()
    local c = S.socket()
    trio.move_on_after(0, function() c:connect({ "127.0.0.1", 2 }) end)
    assert.equal(-1, c:fileno())
    -- mid-handshake: a listener whose accept queue is full never answers
    local l <close> = S.socket()
    l:bind({ "127.0.0.1", 0 })
    l:listen(0)
    local fillers = {}
    local cs = trio.CancelScope()
    local stuck
    trio.open_nursery(function(n)
      n:start_soon(function()
        cs:run(function()
          for i = 1, 64 do
            local s = S.socket()
            fillers[i] = s
            stuck = s
            s:connect(l:getsockname())
          end
        end)
      end)
      trio.testing.wait_all_tasks_blocked(0.05)
      cs:cancel()
    end)
    assert.is_true(cs.cancelled_caught)
    assert.equal(-1, stuck:fileno())
    for _, s in ipairs(fillers) do s:close() end
  end))

  it("a close from another task during connect raises ClosedResourceError", h.async(function()
    local l <close> = S.socket()
    l:bind({ "127.0.0.1", 0 })
    l:listen(0)
    local socks = {}
    trio.open_nursery(function(n)
      n:start_soon(function()
        for i = 1, 64 do
          local s = S.socket()
          socks[i] = s
          local ok, e = pcall(s.connect, s, l:getsockname())
          if not ok then
            h.errmatch(e, "ClosedResourceError")
            return
          end
        end
        error("every connect went through")
      end)
      trio.testing.wait_all_tasks_blocked(0.05)
      socks[#socks]:close()
    end)
    for _, s in ipairs(socks) do s:close() end
  end))

  it("accept on a socket that is not listening fails at once", h.async(function()
    local s <close> = S.socket()
    s:bind({ "127.0.0.1", 0 })
    local e = h.raises("OSError", s.accept, s)
    assert.equal(trio.errno.EINVAL, e.errno)
  end))

  it("bind in a cancelled scope raises Cancelled and leaves the socket unbound", h.async(function()
    local s <close> = S.socket()
    trio.move_on_after(0, function() s:bind({ "127.0.0.1", 0 }) end)
    assert.equal(0, s:getsockname()[2])
    assert.is_true(h.yields(s.bind, s, { "127.0.0.1", 0 }))
  end))
end)

describe("UDP and datagram sockets", function()
  local function udp(family, host)
    local r = S.socket(family, S.SOCK_DGRAM)
    r:bind({ host, 0 })
    local s = S.socket(family, S.SOCK_DGRAM)
    s:bind({ host, 0 })
    return s, r
  end

  -- Such sockets poll readable for good while a non-blocking call fails with EAGAIN:
  -- waiting would spin (and freeze a MockClock). The calls give what a blocking call
  -- gives. A spin would be cancelled by the 5 s deadline and fail the assertions.
  it("after shutdown(SHUT_RD), receives give an end of file as a blocking call does", h.async(function()
    local a, b = S.socketpair(S.AF_UNIX, S.SOCK_DGRAM)
    local _g <close> = closing(a, b)
    a:shutdown(S.SHUT_RD)
    local cs, data = trio.move_on_after(5, a.recv, a, 10)
    assert.is_false(cs.cancelled_caught)
    assert.equal("", data)
    local got = table.pack(select(2, trio.move_on_after(5, a.recvfrom, a, 10)))
    assert.are.same({ "", n = 2 }, got)
    local buf = trio.Buffer(4)
    got = table.pack(select(2, trio.move_on_after(5, a.recvfrom_into, a, buf)))
    assert.are.same({ 0, n = 2 }, got)
    assert.equal(0, select(2, trio.move_on_after(5, a.recv_into, a, buf)))
    got = table.pack(select(2, trio.move_on_after(5, a.recvmsg, a, 10)))
    assert.are.same({ "", {}, 0, n = 4 }, got)
    got = table.pack(select(2, trio.move_on_after(5, a.recvmsg_into, a, { buf })))
    assert.are.same({ 0, {}, 0, n = 4 }, got)
  end))

  it("accept on a Unix listener whose receive side is shut down raises EINVAL", h.async(function()
    for _, kind in ipairs { S.SOCK_STREAM, S.SOCK_SEQPACKET } do
      local l = S.socket(S.AF_UNIX, kind)
      local _g <close> = closing(l)
      l:bind(("\0ltrio-spec-shut-%d-%d"):format(kind, math.random(1 << 30)))
      l:listen()
      l:shutdown(S.SHUT_RD)
      local e
      local cs = trio.move_on_after(5, function() e = h.raises("OSError", l.accept, l) end)
      assert.is_false(cs.cancelled_caught)
      assert.equal(trio.errno.EINVAL, e.errno)
    end
  end))

  it("a receive of MSG_ERRQUEUE with nothing queued raises EAGAIN instead of waiting", h.async(function()
    local s, r = udp(S.AF_INET, "127.0.0.1")
    local _g <close> = closing(s, r)
    s:sendto("x", r:getsockname())  -- r polls readable: a wait would wake at once, forever
    trio.sleep(0.01)
    local e
    local cs = trio.move_on_after(5, function() e = h.raises("OSError", r.recv, r, 10, S.MSG_ERRQUEUE) end)
    assert.is_false(cs.cancelled_caught)
    assert.equal(trio.errno.EAGAIN, e.errno)
    assert.is_true(h.yields(pcall, r.recvfrom, r, 10, S.MSG_ERRQUEUE))
    assert.equal("x", r:recv(10))
  end))

  it("sendto/recvfrom over IPv4 loopback, all argument forms", h.async(function()
    local s, r = udp(S.AF_INET, "127.0.0.1")
    local _g <close> = closing(s, r)
    assert.equal(3, s:sendto("xxx", r:getsockname()))
    local data, addr = r:recvfrom(10)
    assert.equal("xxx", data)
    assert.equal(s:getsockname(), addr)
    assert.equal(2, s:sendto("ab", S.MSG_MORE, r:getsockname()))
    assert.equal(1, s:sendto("c", nil, r:getsockname()))
    assert.equal(1, s:sendto("d", r:getsockname(), nil))
    assert.equal("abc", r:recv(10))
    local buf = trio.Buffer(10)
    local n, a2 = r:recvfrom_into(buf)
    assert.equal(1, n)
    assert.equal("d", buf:tostring(1, n))
    assert.equal(s:getsockname(), a2)
    assert.equal(3, s:sendmsg({ "x", "yz" }, {}, 0, r:getsockname()))
    assert.equal("xyz", r:recv(10))
    assert.equal(1, s:sendto("h", { "localhost", r:getsockname()[2] }))
    assert.equal("h", r:recv(10))
  end))

  it("sendto/recvfrom over IPv6 loopback", h.async(function()
    h.skip_unless(h.ipv6, "IPv6 loopback unavailable")
    local s, r = udp(S.AF_INET6, "::1")
    local _g <close> = closing(s, r)
    assert.equal(3, s:sendto("xxx", r:getsockname()))
    local data, addr = r:recvfrom(10)
    assert.equal("xxx", data)
    assert.equal(s:getsockname(), addr)
    assert.equal("[::1]:" .. addr[2], tostring(addr))
    assert.equal(4, #addr)
  end))

  it("connected UDP keeps datagram boundaries", h.async(function()
    local s, r = udp(S.AF_INET, "127.0.0.1")
    local _g <close> = closing(s, r)
    s:connect(r:getsockname())
    s:send("one")
    s:send("two")
    assert.equal("one", r:recv(100))
    assert.equal("two", r:recv(100))
  end))

  it("SOCK_SEQPACKET and SOCK_DGRAM Unix pairs keep boundaries; MSG_PEEK and MSG_TRUNC", h.async(function()
    for _, ty in ipairs { S.SOCK_SEQPACKET, S.SOCK_DGRAM } do
      local a, b = S.socketpair(S.AF_UNIX, ty)
    local _g <close> = closing(a, b)
      assert.equal(ty, a.type)
      a:send("hello")
      a:send("world")
      local data, anc, flags = b:recvmsg(10, 0, S.MSG_PEEK)
      assert.equal("hello", data)
      assert.same({}, anc)
      assert.equal(0, flags & S.MSG_TRUNC)
      data, anc, flags = b:recvmsg(2)
      assert.equal("he", data)
      assert.is_true(flags & S.MSG_TRUNC ~= 0)
      assert.equal("world", b:recv(100))
    end
  end))

  it("passes an fd with SCM_RIGHTS and the received fd works", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    local x, y = S.socketpair()
    local fds = string.pack("i", x:fileno())
    assert.equal(1, a:sendmsg({ "F" }, { { S.SOL_SOCKET, S.SCM_RIGHTS, fds } }))
    x:close()
    local data, anc, flags = b:recvmsg(10, S.CMSG_SPACE(4))
    assert.equal("F", data)
    assert.equal(0, flags)
    assert.equal(1, #anc)
    assert.equal(S.SOL_SOCKET, anc[1][1])
    assert.equal(S.SCM_RIGHTS, anc[1][2])
    local fd = string.unpack("i", anc[1][3])
    assert.is_true(cloexec(fd))
    local z = S.socket(nil, nil, nil, fd)
    z:send("through")
    assert.equal("through", y:recv(100))
    z:close()
    y:close()
  end))

  it("recv_into and recvmsg_into fill Buffers", h.async(function()
    local a, b = S.socketpair(S.AF_UNIX, S.SOCK_DGRAM)
    local _g <close> = closing(a, b)
    local buf = trio.Buffer(8)
    a:send("abcdef")
    assert.equal(3, b:recv_into(buf, 3))
    assert.equal("abc", buf:tostring(1, 3))
    a:send("123456")
    local b1, b2 = trio.Buffer(2), trio.Buffer(10)
    local n, anc, flags = b:recvmsg_into({ b1, b2 })
    assert.equal(6, n)
    assert.equal("12", b1:tostring())
    assert.equal("3456", b2:tostring(1, 4))
    assert.same({}, anc)
    assert.equal(0, flags)
    a:send(buf:view(1, 2))
    assert.equal("ab", b:recv(10))
  end))
end)

describe("socket:sendfile", function()
  it("sends a 1 MiB file intact and leaves the file position alone", h.async(function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    local parts = {}
    for i = 1, 16384 do parts[i] = string.format("%063d\n", i) end
    local content = table.concat(parts)
    assert.equal(1024 * 1024, #content)
    f:write(content)
    f:close()
    f = assert(io.open(path, "rb"))
    local a, b = tcp_pair()
    local _g <close> = closing(a, b)
    local got = {}
    trio.open_nursery(function(n)
      n:start_soon(function()
        while true do
          local d = b:recv(65536)
          if d == "" then break end
          got[#got + 1] = d
        end
      end)
      assert.equal(#content, a:sendfile(f))
      a:shutdown(S.SHUT_WR)
    end)
    assert.equal(content, table.concat(got))
    assert.equal(0, f:seek())
    -- offset and count
    local x, y = S.socketpair()
    local _g <close> = closing(x, y)
    assert.equal(10, x:sendfile(f, 64, 10))
    assert.equal(string.sub(content, 65, 74), y:recv(100))
    f:close()
    os.remove(path)
  end))

  it("takes files only: a pipe or a socket is ValueError naming it", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    local p <close> = assert(io.popen("true"))
    local e = h.raises("ValueError", a.sendfile, a, p)
    assert.matches("got a pipe", e.message)
    e = h.raises("ValueError", a.sendfile, a, b:fileno(), 0, 5)
    assert.matches("got a socket", e.message)
  end))
end)

describe("bad input", function()
  it("never crashes and raises TypeError/ValueError", h.async(function()
    local a, b = S.socketpair()
    local _g <close> = closing(a, b)
    h.raises("TypeError", a.recv, a, "haha")
    h.raises("ValueError", a.recv, a, -1)
    h.raises("ValueError", a.recv, a, 2 ^ 40)
    h.raises("TypeError", a.recv, a, 1.5)
    h.raises("TypeError", a.send, a, {})
    h.raises("TypeError", a.send, a, "x", "flags")
    h.raises("TypeError", a.recv_into, a, "notabuffer")
    h.raises("ValueError", a.recv_into, a, trio.Buffer(2), 5)
    h.raises("TypeError", a.sendmsg, a, "notatable")
    h.raises("TypeError", a.sendmsg, a, { {} })
    h.raises("TypeError", a.recvmsg_into, a, { "str" })
    h.raises("TypeError", a.getsockopt, a, "x", 1)
    h.raises("TypeError", a.setsockopt, a, S.SOL_SOCKET, S.SO_RCVBUF, {})
    h.raises("TypeError", a.setsockopt, a, S.SOL_SOCKET, S.SO_RCVBUF)
    h.raises("TypeError", a.setsockopt, a, S.SOL_SOCKET, S.SO_RCVBUF, 1, 4)
    h.raises("TypeError", a.sendfile, a, "file")
    h.raises("TypeError", a.set_inheritable, a, 1)
    h.raises("TypeError", S.socket, "x")
    h.raises("TypeError", a.recv, "notasocket", 1)
    h.raises("TypeError", a.close, 42)
    h.raises("TypeError", a.bind, a, { "x" })  -- AF_UNIX wants a string
    local e = h.raises("OSError", S.socket, 12345)
    assert.equal(trio.errno.EAFNOSUPPORT, e.errno)
    h.raises("OSError", S.socket, nil, nil, nil, 9999)
    h.raises("OSError", S.fromfd, 9999)
    local f = assert(io.open("/dev/null"))
    local fd = nil
    for n in pairs(h.fd_set()) do fd = fd or n end
    f:close()
    e = h.raises("OSError", S.socket, nil, nil, nil, 0)  -- stdin: not a socket
    assert.equal(trio.errno.ENOTSOCK, e.errno)
  end))

  it("raises RuntimeError for async calls outside a run", function()
    local a, b = S.socketpair()
    h.raises("RuntimeError", a.recv, a, 1)
    h.raises("RuntimeError", a.send, a, "x")
    h.raises("RuntimeError", S.getaddrinfo, "127.0.0.1", 80)
    a:close()
    b:close()
  end)
end)

describe("many waiters", function()
  it("1000 sockets each waited on by a task are all cancelled cleanly", h.async(function()
    local socks = {}
    trio.open_nursery(function(n)
      for i = 1, 500 do
        local a, b = S.socketpair()
        socks[#socks + 1] = a
        socks[#socks + 1] = b
        n:start_soon(a.recv, a, 1)
        n:start_soon(b.recv, b, 1)
      end
      trio.testing.wait_all_tasks_blocked()
      assert.equal(1000, trio.lowlevel.current_statistics().io_statistics.tasks_waiting_read)
      n.cancel_scope:cancel()
    end)
    assert.equal(0, trio.lowlevel.current_statistics().io_statistics.tasks_waiting_read)
    for _, s in ipairs(socks) do s:close() end
  end))
end)
