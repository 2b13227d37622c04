-- streams.lua - the high-level networking API of API.md §6, in pure Lua on top of
-- trio.socket: SocketStream, SocketListener, FdStream, aclose_forcefully, and (from
-- open_tcp.lua and serve.lua) open_tcp_stream, open_unix_socket, open_tcp_listeners,
-- serve_tcp, serve_listeners.
--
-- The facade calls the returned function as install(trio, core) once 'trio' holds the
-- core API and trio.socket. Everything here uses only the public API, so custom socket
-- factories and hostname resolvers see every socket and lookup made here.

local pcall, error, type, rawget, rawset = pcall, error, type, rawget, rawset
local setmetatable, getmetatable, tostring = setmetatable, getmetatable, tostring
local mtype, floor = math.type, math.floor

-- Keys of the private slots of stream objects (FD: the holder of an FdStream's fd).
-- No user key can collide with them: these objects refuse the assignment of a new key.
local SENDING, FD, RECEIVING = 1, 2, 3
-- The field holding the socket of a SocketStream or SocketListener: a plain field of
-- the object (as in Trio), so that methods are found through a table __index, with no
-- call per method lookup. The hot C methods of SocketStream read it too.
local SOCKET = "socket"

local DEFAULT_RECEIVE_SIZE = 65536
local NOTSENT_LOWAT = 16384
local MAX_SIZE = 0x7FFFFFFF
-- Bytes per send once a large string has been partly written: bounds the copy made
-- by string.sub while keeping each send big enough to fill the socket buffer.
local SEND_CHUNK = 256 * 1024

return function(trio, core)
  local is_real_socket, accept_bare = core.is_real_socket, core.accept_bare
  local socket, lowlevel = trio.socket, trio.lowlevel
  local E = trio.errno
  local iserror, checkpoint = trio.iserror, trio.checkpoint

  ---------------------------------------------------------------------------------
  -- Shared helpers: error objects and argument checks (API.md §2). `util` is handed
  -- to open_tcp.lua and serve.lua.

  -- Builds an ltrio error object of class 'cls' (a name) with message 'msg' and the
  -- extra fields of 'fields'. The core's constructor is used when it has one; the
  -- fallback is the representation API.md §2 fixes: a table whose metatable is its class.
  local function newerror(cls, msg, fields)
    local e
    if core and core.newerror then
      e = core.newerror(cls, msg)
    else
      e = setmetatable({type = cls, message = msg}, trio[cls])
    end
    if fields then
      for k, v in pairs(fields) do rawset(e, k, v) end
    end
    return e
  end

  local function raise(cls, msg, fields)
    error(newerror(cls, msg, fields), 0)
  end

  -- How a bad argument is shown after "got" (as the core's l_argerror/l_argvalue):
  -- the type name, or for a number where an integer was expected, the number.
  local function typename(v, expected)
    if type(v) == "number" and expected and expected:find("integer", 1, true) then
      return v ~= v and "nan" or tostring(v)
    end
    return type(v)
  end
  local function describe(v)
    local t = type(v)
    if v ~= v then return "nan" end
    if t == "string" then return string.format('string "%s"', core and core.printable and core.printable(v) or v) end
    if t == "number" or t == "boolean" then return tostring(v) end
    return t
  end

  -- TypeError "<fname>: bad argument #<i> '<param>' (<expected>, got <type>)".
  local function argerror(fname, i, param, expected, v)
    raise("TypeError", string.format("%s: bad argument #%d '%s' (%s, got %s)",
      fname, i, param, expected, typename(v, expected)))
  end
  -- ValueError "<fname>: bad argument #<i> '<param>' (<what>, got <value>)".
  -- 'shown', when given, replaces the description of 'v'.
  local function argvalue(fname, i, param, what, v, shown)
    raise("ValueError", string.format("%s: bad argument #%d '%s' (%s, got %s)",
      fname, i, param, what, shown or describe(v)))
  end

  -- An integer, or a float with an exact integer value (API.md §1).
  local function checkint(v, fname, i, param)
    if mtype(v) == "integer" then return v end
    if mtype(v) == "float" and v == floor(v) and v > -2^63 and v < 2^63 then
      return floor(v)
    end
    argerror(fname, i, param, "integer expected", v)
  end

  -- A TCP port: an integer from 0 to 65535 (getaddrinfo would silently wrap others).
  local function checkport(v, fname, i)
    local port = checkint(v, fname, i, "port")
    if port < 0 or port > 65535 then argvalue(fname, i, "port", "port between 0 and 65535 expected", v) end
    return port
  end

  -- An option table: nil or a table whose keys are all in 'allowed'.
  local function checkopts(opts, fname, i, allowed)
    if opts == nil then return {} end
    if type(opts) ~= "table" then argerror(fname, i, "opts", "table expected", opts) end
    for k in pairs(opts) do
      if not allowed[k] then
        raise("TypeError", string.format("%s: bad argument #%d 'opts' (unknown option '%s')", fname, i, tostring(k)))
      end
    end
    return opts
  end

  local function checkcallable(f, fname, i, param)
    if not core.iscallable(f) then argerror(fname, i, param, "function expected", f) end
  end

  local buffer_mt
  if trio.Buffer then
    local ok, b = pcall(trio.Buffer, 1)
    if ok then buffer_mt = getmetatable(b) end
  end
  local function isbuffer(v)
    if type(v) ~= "userdata" then return false end
    return buffer_mt == nil or getmetatable(v) == buffer_mt
  end

  -- The socket type without Linux's SOCK_NONBLOCK/SOCK_CLOEXEC flag bits.
  local function socktype(sock)
    local t = sock.type
    if mtype(t) == "integer" then return t & 0xF end
    return t
  end

  local util = {
    newerror = newerror, raise = raise, argerror = argerror, argvalue = argvalue,
    checkint = checkint, checkport = checkport, checkopts = checkopts, checkcallable = checkcallable,
  }

  ---------------------------------------------------------------------------------
  -- Error translation (Trio's _translate_socket_errors_to_stream_errors): EBADF and
  -- ENOTSOCK mean the socket was closed under us; any other OSError means the
  -- connection is broken. Everything else (Cancelled, ClosedResourceError from a
  -- wait, BusyResourceError) passes through unchanged. Never returns.
  local function translate(e)
    if iserror(e, "OSError") then
      local en = e.errno
      if en == E.EBADF or en == E.ENOTSOCK then
        raise("ClosedResourceError", "this socket was already closed")
      end
      raise("BrokenResourceError", "socket connection broken: " .. tostring(e), {cause = e})
    end
    error(e, 0)
  end

  ---------------------------------------------------------------------------------
  -- SocketStream

  -- The socket of a stream or listener; TypeError naming 'fname' when the field
  -- 'socket' was assigned something else.
  local function socket_of(self, fname)
    local sock = rawget(self, SOCKET)
    if not is_real_socket(sock) and not socket.is_socket(sock) then
      raise("TypeError", string.format("%s: field 'socket' is not a socket (got %s)", fname, type(sock)))
    end
    return sock
  end

  local SocketStream = {}
  local stream_mt = {__name = "ltrio.SocketStream"}

  stream_mt.__index = SocketStream
  stream_mt.__newindex = function(self, k, v)
    if k == SOCKET then return rawset(self, k, v) end  -- the field, after it was set to nil
    raise("AttributeError", string.format("SocketStream: cannot assign field '%s'", tostring(k)))
  end
  stream_mt.__tostring = function(self)
    return "ltrio.SocketStream (" .. tostring(rawget(self, SOCKET)) .. ")"
  end

  -- The send conflict detector of a stream: over a real socket, a flag of the
  -- socket (which l_stream.c reads, and which keeps the stream table one slot);
  -- over a socket from a custom factory, the stream's SENDING slot.
  local stream_sending = core.stream_sending
  local function is_sending(self)
    local sock = rawget(self, SOCKET)
    if is_real_socket(sock) then return stream_sending(sock) end
    return rawget(self, SENDING)
  end
  local function set_sending(self, flag)
    local sock = rawget(self, SOCKET)
    if is_real_socket(sock) then stream_sending(sock, flag) else rawset(self, SENDING, flag) end
  end

  -- The to-be-closed guard of send_all: leaving send_all by any
  -- path (return, error, cancellation) releases the send conflict detector.
  local guard_mt = {__close = function(g) set_sending(g[1], false) end}

  local function new_stream(sock)
    if not socket.is_socket(sock) then
      argerror("trio.SocketStream", 1, "sock", "socket expected", sock)
    end
    if socktype(sock) ~= socket.SOCK_STREAM then
      argvalue("trio.SocketStream", 1, "sock", "SOCK_STREAM socket expected",
        sock, "socket of type " .. tostring(sock.type))
    end
    -- Trio sets these on every stream and ignores OSError (AF_UNIX has neither).
    -- Each on its own, as Trio does.
    local ok, e = pcall(sock.setsockopt, sock, socket.IPPROTO_TCP, socket.TCP_NODELAY, true)
    if not ok and not iserror(e, "OSError") then error(e, 0) end
    if socket.TCP_NOTSENT_LOWAT then
      ok, e = pcall(sock.setsockopt, sock, socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT,
        NOTSENT_LOWAT)
      if not ok and not iserror(e, "OSError") then error(e, 0) end
    end
    if is_real_socket(sock) then return setmetatable({[SOCKET] = sock}, stream_mt) end
    return setmetatable({[SOCKET] = sock, [SENDING] = false}, stream_mt)
  end

  -- Raises BusyResourceError when another task holds the send conflict detector.
  local function busy()
    raise("BusyResourceError", "another task is currently sending data on this SocketStream")
  end

  -- Sends a piece through the socket's send method, with stream errors.
  local function send_piece(sock, piece)
    local ok, n = pcall(sock.send, sock, piece)
    if not ok then translate(n) end
    return n
  end

  -- [async] Sends every byte of 'data' (a string or a Buffer); partial writes loop.
  -- On a real socket, the C version (l_stream.c) does the sending and comes here
  -- only for what raises, for an empty send, or for a busy stream.
  function SocketStream:send_all(data)
    if getmetatable(self) ~= stream_mt then
      raise("TypeError", "SocketStream:send_all: bad self (ltrio.SocketStream expected, got " .. type(self) .. ")")
    end
    local sock = socket_of(self, "SocketStream:send_all")
    if type(data) ~= "string" and not isbuffer(data) then
      argerror("SocketStream:send_all", 1, "data", "string or Buffer expected", data)
    end
    if is_sending(self) then busy() end
    local _ <close> = setmetatable({self}, guard_mt)  -- releases the conflict detector on any exit
    set_sending(self, true)
    local total = #data
    if sock.did_shutdown_SHUT_WR then
      raise("ClosedResourceError", "can't send data after sending EOF")
    end
    if total == 0 then
      if sock:fileno() == -1 then raise("ClosedResourceError", "socket was already closed") end
      return checkpoint()
    end
    local off = send_piece(sock, data)
    while off < total do
      local piece
      if type(data) == "string" then
        piece = data:sub(off + 1, off + SEND_CHUNK)
      else
        piece = data:view(off + 1)
      end
      off = off + send_piece(sock, piece)
    end
  end

  -- [async] Returns up to 'max_bytes' bytes (default 65536); "" at end of file.
  function SocketStream:receive_some(max_bytes)
    if getmetatable(self) ~= stream_mt then
      raise("TypeError", "SocketStream:receive_some: bad self (ltrio.SocketStream expected, got " .. type(self) .. ")")
    end
    local n = DEFAULT_RECEIVE_SIZE
    if max_bytes ~= nil then
      if mtype(max_bytes) == "integer" then
        n = max_bytes
      else
        n = checkint(max_bytes, "SocketStream:receive_some", 1, "max_bytes")
      end
      if n < 1 or n > MAX_SIZE then
        argvalue("SocketStream:receive_some", 1, "max_bytes",
          "size between 1 and 2^31-1 expected", n)
      end
    end
    local sock = socket_of(self, "SocketStream:receive_some")
    if is_real_socket(sock) then return SocketStream.receive_some(self, n) end  -- the C version
    local ok, data = pcall(sock.recv, sock, n)
    if ok then return data end
    translate(data)
  end

  -- [async] Shuts down the sending side (SHUT_WR); idempotent.
  function SocketStream:send_eof()
    core.checkasync("SocketStream:send_eof")
    if is_sending(self) then busy() end
    set_sending(self, true)
    local sock = rawget(self, SOCKET)
    local ok, e = pcall(checkpoint)
    if ok and not sock.did_shutdown_SHUT_WR then
      ok, e = pcall(sock.shutdown, sock, socket.SHUT_WR)
    end
    set_sending(self, false)
    if not ok then translate(e) end
  end

  -- [async] Returns when the socket is writable (with TCP_NOTSENT_LOWAT: when less
  -- than 16 KiB is waiting to be sent).
  function SocketStream:wait_send_all_might_not_block()
    if is_sending(self) then busy() end
    set_sending(self, true)
    local sock = rawget(self, SOCKET)
    if sock:fileno() == -1 then
      set_sending(self, false)
      raise("ClosedResourceError", "socket was already closed")
    end
    local ok, e = pcall(sock.wait_writable, sock)   -- a fake socket's own method, as Trio
    set_sending(self, false)
    if not ok then translate(e) end
  end

  -- Closes the socket at once (waiters wake with ClosedResourceError); idempotent.
  function SocketStream:close()
    local sock = rawget(self, SOCKET)
    sock:close()
  end

  -- [async] Closes, then checkpoints: a cancelled aclose still closes.
  function SocketStream:aclose()
    core.checkasync("SocketStream:aclose")
    local sock = rawget(self, SOCKET)
    sock:close()
    checkpoint()
  end

  function SocketStream:setsockopt(level, opt, value, optlen)
    local sock = rawget(self, SOCKET)
    return sock:setsockopt(level, opt, value, optlen)
  end

  function SocketStream:getsockopt(level, opt, buflen)
    local sock = rawget(self, SOCKET)
    if buflen == nil or buflen == 0 then return sock:getsockopt(level, opt) end
    return sock:getsockopt(level, opt, buflen)
  end

  stream_mt.__close = function(self) SocketStream.close(self) end

  ---------------------------------------------------------------------------------
  -- SocketListener

  local SocketListener = {}
  local listener_mt = {__name = "ltrio.SocketListener"}
  listener_mt.__index = SocketListener
  listener_mt.__newindex = function(self, k, v)
    if k == SOCKET then return rawset(self, k, v) end  -- the field, after it was set to nil
    raise("AttributeError", string.format("SocketListener: cannot assign field '%s'", tostring(k)))
  end
  listener_mt.__tostring = function(self)
    return "ltrio.SocketListener (" .. tostring(rawget(self, SOCKET)) .. ")"
  end
  listener_mt.__close = function(self) SocketListener.close(self) end

  local function new_listener(sock)
    if not socket.is_socket(sock) then
      argerror("trio.SocketListener", 1, "sock", "socket expected", sock)
    end
    if socktype(sock) ~= socket.SOCK_STREAM then
      argvalue("trio.SocketListener", 1, "sock", "SOCK_STREAM socket expected",
        sock, "socket of type " .. tostring(sock.type))
    end
    -- The check is skipped where SO_ACCEPTCONN cannot be read (as Trio does).
    local ok, listening = pcall(sock.getsockopt, sock, socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    if ok and (listening == 0 or listening == false) then
      argvalue("trio.SocketListener", 1, "sock", "listening socket expected",
        sock, "socket that is not listening")
    end
    return setmetatable({[SOCKET] = sock}, listener_mt)
  end

  -- accept() errors that concern one connection only; accept is simply retried.
  local IGNORED = {}
  for _, name in ipairs{"EPERM", "ECONNABORTED", "EPROTO", "ENETDOWN", "ENOPROTOOPT",
      "EHOSTDOWN", "ENONET", "EHOSTUNREACH", "EOPNOTSUPP", "ENETUNREACH", "ENOSR",
      "ESOCKTNOSUPPORT", "EPROTONOSUPPORT", "ETIMEDOUT", "ECONNRESET"} do
    if E[name] then IGNORED[E[name]] = true end
  end

  -- [async] Waits for a connection and returns it as a SocketStream.
  function SocketListener:accept()
    local sock = rawget(self, SOCKET)
    local accept = is_real_socket(sock) and accept_bare or sock.accept
    while true do
      local ok, s = pcall(accept, sock)
      if ok then return new_stream(s) end
      if not iserror(s, "OSError") then error(s, 0) end
      local en = s.errno
      if en == E.EBADF or en == E.ENOTSOCK then
        raise("ClosedResourceError", "this listener was already closed")
      end
      if not IGNORED[en] then error(s, 0) end
    end
  end

  function SocketListener:close()
    rawget(self, SOCKET):close()
  end

  function SocketListener:aclose()
    core.checkasync("SocketListener:aclose")
    rawget(self, SOCKET):close()
    checkpoint()
  end

  ---------------------------------------------------------------------------------
  -- aclose_forcefully: aclose() inside an already-cancelled scope, so it never waits.

  local function aclose_forcefully(resource)
    core.checkasync("trio.aclose_forcefully")
    if resource == nil or (type(resource) ~= "table" and type(resource) ~= "userdata") then
      argerror("trio.aclose_forcefully", 1, "resource", "closable object expected", resource)
    end
    local aclose = resource.aclose
    if type(aclose) ~= "function" then
      argerror("trio.aclose_forcefully", 1, "resource", "object with an aclose method expected", resource)
    end
    local cs = trio.CancelScope()
    cs:cancel()
    cs:run(aclose, resource)
  end

  ---------------------------------------------------------------------------------
  -- FdStream: a stream over a dup of a pollable fd (a pipe, a tty, a socket), so a
  -- script can read stdin or a pipe as a stream. The dup is close-on-exec and owned
  -- by the core's fd holder (core.fd_open, fd_read, fd_write, fd_close, fd_fileno),
  -- which reads and writes any kind of fd as Trio's os.read/os.write do. The dup
  -- shares O_NONBLOCK with the caller's fd: closing the stream puts it back, as Trio.

  local FdStream = {}
  local fdstream_mt = {__name = "ltrio.FdStream"}
  fdstream_mt.__index = FdStream
  fdstream_mt.__newindex = function(_, k)
    raise("AttributeError", string.format("FdStream: cannot assign field '%s'", tostring(k)))
  end
  fdstream_mt.__tostring = function(self)
    local fd = self:fileno()
    return fd >= 0 and ("ltrio.FdStream (fd " .. fd .. ")") or "ltrio.FdStream (closed)"
  end

  -- Errors of FdStream: EBADF means closed, any other OSError a broken stream.
  local function fd_translate(e)
    if iserror(e, "OSError") then
      if e.errno == E.EBADF then raise("ClosedResourceError", "file was already closed") end
      raise("BrokenResourceError", "file stream broken: " .. tostring(e), {cause = e})
    end
    error(e, 0)
  end

  local function new_fdstream(fd)
    if io.type(fd) == nil then  -- a Lua file (io.popen's pipe, say) goes to the core as it is
      if type(fd) ~= "number" then argerror("trio.lowlevel.FdStream", 1, "fd", "integer fd or file expected", fd) end
      fd = checkint(fd, "trio.lowlevel.FdStream", 1, "fd")
      if fd < 0 then
        argvalue("trio.lowlevel.FdStream", 1, "fd", "file descriptor expected", fd)
      end
    end
    local self = {[SENDING] = false, [RECEIVING] = false, [FD] = core.fd_open(fd)}  -- EBADF for a bad fd
    return setmetatable(self, fdstream_mt)
  end

  function FdStream:fileno() return core.fd_fileno(rawget(self, FD)) end

  -- Marks the stream busy in 'slot' (RECEIVING or SENDING) until the returned guard,
  -- held in a to-be-closed variable, is closed: by any exit, a coroutine.close included.
  local busy_guard_mt = {__close = function(g) rawset(g[1], g[2], false) end}
  local function busy(self, slot)
    rawset(self, slot, true)
    return setmetatable({self, slot}, busy_guard_mt)
  end

  -- A closed holder raises EBADF.
  local function fd_read(self, n) return core.fd_read(rawget(self, FD), n) end
  local function fd_write(self, data) return core.fd_write(rawget(self, FD), data) end

  -- [async]
  function FdStream:receive_some(max_bytes)
    local n = DEFAULT_RECEIVE_SIZE
    if max_bytes ~= nil then
      n = checkint(max_bytes, "FdStream:receive_some", 1, "max_bytes")
      if n < 1 or n > MAX_SIZE then
        argvalue("FdStream:receive_some", 1, "max_bytes",
          "size between 1 and 2^31-1 expected", n)
      end
    end
    if rawget(self, RECEIVING) then
      raise("BusyResourceError", "another task is using this stream for receiving")
    end
    local _ <close> = busy(self, RECEIVING)
    local ok, data = pcall(fd_read, self, n)
    if ok then return data end
    fd_translate(data)
  end

  -- [async]
  function FdStream:send_all(data)
    if type(data) ~= "string" and not isbuffer(data) then
      argerror("FdStream:send_all", 1, "data", "string or Buffer expected", data)
    end
    if rawget(self, SENDING) then
      raise("BusyResourceError", "another task is using this stream for sending")
    end
    local _ <close> = busy(self, SENDING)
    local total, off, piece = #data, 0, data
    local ok, e = true, nil
    if total == 0 then
      if self:fileno() == -1 then raise("ClosedResourceError", "file was already closed") end
      ok, e = pcall(checkpoint)
    end
    while ok and off < total do
      local n
      ok, n = pcall(fd_write, self, piece)
      if not ok then e = n; break end
      off = off + n
      if off < total then
        if type(data) == "string" then
          piece = data:sub(off + 1, off + SEND_CHUNK)
        else
          piece = data:view(off + 1)
        end
      end
    end
    if not ok then fd_translate(e) end
  end

  -- [async]
  function FdStream:wait_send_all_might_not_block()
    if rawget(self, SENDING) then
      raise("BusyResourceError", "another task is using this stream for sending")
    end
    local fd = self:fileno()
    if fd == -1 then raise("ClosedResourceError", "file was already closed") end
    local _ <close> = busy(self, SENDING)
    local ok, e = pcall(lowlevel.wait_writable, fd)
    if not ok then fd_translate(e) end
  end

  -- Wakes the stream's waiters (ClosedResourceError) and closes the dup; idempotent.
  function FdStream:close() core.fd_close(rawget(self, FD)) end

  -- [async]
  function FdStream:aclose()
    core.checkasync("FdStream:aclose")
    self:close()
    checkpoint()
  end

  fdstream_mt.__close = FdStream.close  -- a stream dropped open: the holder's __gc closes it

  -- Every method checks its self first: a method called on another value raises
  -- TypeError naming the method (the two hot SocketStream methods check inline).
  -- With 'socket' set, the field 'socket' must hold a socket too.
  local function guard_methods(methods, mt, class, inline, with_socket)
    for name, f in pairs(methods) do
      if type(f) == "function" and not inline[name] then
        local fname = class .. ":" .. name
        methods[name] = function(self, ...)
          if getmetatable(self) ~= mt then
            raise("TypeError", string.format("%s: bad self (%s expected, got %s)", fname, mt.__name, type(self)))
          end
          if with_socket then socket_of(self, fname) end
          return f(self, ...)
        end
      end
    end
  end
  guard_methods(SocketStream, stream_mt, "SocketStream", {send_all = true, receive_some = true}, true)
  -- The hot methods in C, each passing what it does not handle to the Lua version.
  SocketStream.receive_some, SocketStream.send_all = core.stream_methods(stream_mt, SOCKET,
    SocketStream.receive_some, SocketStream.send_all)
  guard_methods(SocketListener, listener_mt, "SocketListener", {}, true)
  guard_methods(FdStream, fdstream_mt, "FdStream", {})

  trio.SocketStream = new_stream
  trio.SocketListener = new_listener
  trio.aclose_forcefully = aclose_forcefully

  util.new_stream, util.new_listener, util.translate = new_stream, new_listener, translate
  util.SocketStream, util.stream_mt, util.SENDING = SocketStream, stream_mt, SENDING

  lowlevel.FdStream = new_fdstream
  require("ltrio.open_tcp")(trio, core, util)
  require("ltrio.serve")(trio, core, util)
end
