-- spec/sweep_required.lua - what spec/sweep_spec.lua needs to know beyond what it can
-- find by walking the module: for each public function or method (named as in error
-- messages: "trio.sleep", "socket:recv", "SocketStream:send_all"), how many leading
-- parameters are required (`n`) and valid sample values for the leading parameters
-- (array part). The sweep puts one wrong value at a time in one position and keeps
-- the samples elsewhere; a nil in a required position must raise TypeError or
-- ValueError naming the function. Functions missing here are still swept, with
-- wrong values in the first positions and nothing after them.
--
-- `req` (optional) lists the required positions when they are not the first n.
-- Samples are plain values or functions(ctx) returning one (ctx.fn: a function
-- that does nothing; ctx.sock(): a fresh AF_INET socket the sweep closes).
local fn = function(ctx) return ctx.fn end
local sock = function(ctx) return ctx.sock() end

return {
  -- trio
  ["trio.run"] = { n = 1, fn },
  ["trio.run_with"] = { n = 2, {}, fn },
  ["trio.sleep"] = { n = 1, 0 },
  ["trio.sleep_until"] = { n = 1, 0 },
  ["trio.move_on_after"] = { n = 2, 1, fn },
  ["trio.move_on_at"] = { n = 2, 1, fn },
  ["trio.fail_after"] = { n = 2, 1, fn },
  ["trio.fail_at"] = { n = 2, 1, fn },
  ["trio.open_nursery"] = { n = 1, fn },
  ["trio.Semaphore"] = { n = 1, 1 },
  ["trio.Buffer"] = { n = 0, 4 },
  ["trio.CancelScope"] = { n = 0, {} },
  ["trio.open_memory_channel"] = { n = 1, 1 },
  ["trio.iserror"] = { n = 2, req = { 2 }, {}, "Error" },   -- iserror(nil, cls) is false
  ["trio.open_tcp_stream"] = { n = 2, "sweep.invalid", 80 },
  ["trio.open_tcp_listeners"] = { n = 1, 0, {} },
  ["trio.serve_tcp"] = { n = 2, fn, 0, {} },
  ["trio.serve_listeners"] = { n = 2, fn, {}, {} },
  ["trio.open_unix_socket"] = { n = 1, "/nonexistent/sweep.sock" },
  ["trio.SocketStream"] = { n = 1 },
  ["trio.SocketListener"] = { n = 1 },
  ["trio.aclose_forcefully"] = { n = 1 },
  -- trio.socket
  ["trio.socket.socket"] = { n = 0, 2, 1, 0 },
  ["trio.socket.socketpair"] = { n = 0, 1, 1, 0 },
  ["trio.socket.fromfd"] = { n = 4 },
  -- host and port may be nil; a custom resolver receives what it is given
  ["trio.socket.getaddrinfo"] = { n = 0, "sweep.invalid", 80, 0, 0, 0, 0 },
  ["trio.socket.getnameinfo"] = { n = 0, { "127.0.0.1", 80 }, 0 },
  ["trio.socket.getprotobyname"] = { n = 1, "tcp" },
  ["trio.socket.inet_aton"] = { n = 1, "1.2.3.4" },
  ["trio.socket.inet_ntoa"] = { n = 1, "\1\2\3\4" },
  ["trio.socket.inet_pton"] = { n = 2, 2, "1.2.3.4" },
  ["trio.socket.inet_ntop"] = { n = 2, 2, "\1\2\3\4" },
  ["trio.socket.htons"] = { n = 1, 1 },
  ["trio.socket.ntohs"] = { n = 1, 1 },
  ["trio.socket.htonl"] = { n = 1, 1 },
  ["trio.socket.ntohl"] = { n = 1, 1 },
  ["trio.socket.if_nametoindex"] = { n = 1, "lo" },
  ["trio.socket.if_indextoname"] = { n = 1, 1 },
  ["trio.socket.CMSG_LEN"] = { n = 1, 4 },
  ["trio.socket.CMSG_SPACE"] = { n = 1, 4 },
  -- trio.lowlevel, trio.testing
  ["trio.lowlevel.wait_readable"] = { n = 1 },
  ["trio.lowlevel.wait_writable"] = { n = 1 },
  ["trio.lowlevel.notify_closing"] = { n = 1 },
  ["trio.lowlevel.FdStream"] = { n = 1 },
  ["trio.testing.MockClock"] = { n = 0, {} },
  -- socket methods
  ["socket:connect"] = { n = 1, { "127.0.0.1", 1 } },
  ["socket:bind"] = { n = 1, { "127.0.0.1", 0 } },
  ["socket:listen"] = { n = 0, 1 },
  ["socket:recv"] = { n = 1, 16, 0 },
  ["socket:recv_into"] = { n = 1, function() return require("ltrio").Buffer(4) end, 0, 0 },
  ["socket:recvfrom"] = { n = 1, 16, 0 },
  ["socket:recvfrom_into"] = { n = 1, function() return require("ltrio").Buffer(4) end, 0, 0 },
  ["socket:recvmsg"] = { n = 1, 16, 0, 0 },
  ["socket:recvmsg_into"] = { n = 1, function() return { require("ltrio").Buffer(4) } end, 0, 0 },
  ["socket:send"] = { n = 1, "x", 0 },
  ["socket:sendto"] = { n = 1, "x", 0, { "127.0.0.1", 9 } },  -- sendto(data, nil, addr)
  ["socket:sendmsg"] = { n = 1, { "x" }, {}, 0 },
  ["socket:sendfile"] = { n = 1 },
  ["socket:getsockopt"] = { n = 2, 1, 7 },
  ["socket:setsockopt"] = { n = 3, 1, 7, 4096 },
  ["socket:shutdown"] = { n = 1, 2 },
  ["socket:set_inheritable"] = { n = 1, false },
  -- streams
  ["SocketStream:send_all"] = { n = 1, "x" },
  ["SocketStream:receive_some"] = { n = 0, 16 },
  ["SocketStream:setsockopt"] = { n = 3, 1, 7, 4096 },
  ["SocketStream:getsockopt"] = { n = 2, 1, 7 },
  ["FdStream:send_all"] = { n = 1, "x" },
  ["FdStream:receive_some"] = { n = 0, 16 },
  -- objects
  ["Buffer:tostring"] = { n = 0, 1, 2 },
  ["Buffer:fill"] = { n = 1, 0 },
  ["Buffer:view"] = { n = 1, 1, 2 },
  ["CancelScope:run"] = { n = 1, fn },
  ["Nursery:start_soon"] = { n = 1, fn },
  ["Nursery:start"] = { n = 1, fn },
  ["MemorySendChannel:send"] = { n = 1, 1 },
  ["MemorySendChannel:send_nowait"] = { n = 1, 1 },
  ["MockClock:jump"] = { n = 1, 1 },
}
