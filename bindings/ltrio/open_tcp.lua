-- open_tcp.lua - trio.open_tcp_stream (happy eyeballs, RFC 6555) and
-- trio.open_unix_socket (API.md §6). Installed by streams.lua.
--
-- Happy eyeballs as Trio does it (src/trio/_highlevel_open_tcp_stream.py): the
-- resolver's results are tried in order, except that the first result of the other
-- family moves to second place (RFC 6555 §5.4); attempt k+1 starts 'delay' seconds
-- after attempt k, or as soon as k fails; the first connect to succeed wins and
-- cancels the rest; every socket but the winner is closed, whatever happens.

local type, pcall, error, ipairs, tostring = type, pcall, error, ipairs, tostring
local getmetatable = getmetatable

local DEFAULT_DELAY = 0.25

return function(trio, core, util)
  local socket = trio.socket
  local iserror, raise, argerror = trio.iserror, util.raise, util.argerror
  local new_stream = util.new_stream

  -- "host:port", with an IPv6 literal in brackets, as in Trio's messages.
  local function format_host_port(host, port)
    if host:find(":", 1, true) then host = "[" .. host .. "]" end
    return host .. ":" .. tostring(port)
  end

  -- An address for a message: its own __tostring, or host:port for a plain table
  -- (as a custom resolver may return).
  local function format_addr(addr)
    local mt = getmetatable(addr)
    if type(mt) == "table" and mt.__tostring then return tostring(addr) end
    if type(addr) == "table" then return format_host_port(tostring(addr[1]), addr[2]) end
    return tostring(addr)
  end

  -- Moves the first target whose family differs from the first one's to index 2.
  local function reorder_for_rfc_6555(targets)
    local first = targets[1].family
    for i = 2, #targets do
      if targets[i].family ~= first then
        if i > 2 then table.insert(targets, 2, table.remove(targets, i)) end
        return
      end
    end
  end

  -- State shared by the attempts of one open_tcp_stream call.
  --   targets   getaddrinfo entries, in attempt order
  --   sockets   every socket made so far (closed at the end, but the winner)
  --   errors    errors[i] is attempt i's OSError
  --   winner    the first socket whose connect succeeded
  local function attempt(state, i, failed, nursery)
    local target = state.targets[i]
    local ok, sock = pcall(socket.socket, target.family, target.type, target.proto)
    if not ok then
      if not iserror(sock, "OSError") then error(sock, 0) end
      state.errors[i] = sock
      failed:set()
      return
    end
    local sockets = state.sockets
    sockets[#sockets + 1] = sock
    local err
    local local_address = state.local_address
    if local_address ~= nil then
      -- Lets the kernel pick the port at connect time, so many outgoing connections
      -- can share one local address (ignored where the option does not exist).
      if socket.IP_BIND_ADDRESS_NO_PORT then
        pcall(sock.setsockopt, sock, socket.IPPROTO_IP, socket.IP_BIND_ADDRESS_NO_PORT, 1)
      end
      local bok, e = pcall(sock.bind, sock, {local_address, 0})
      if not bok then
        if not iserror(e, "OSError") then error(e, 0) end
        err = util.newerror("OSError", string.format(
          "local_address=%q is incompatible with remote address %s",
          local_address, format_addr(target.sockaddr)),
          iserror(e, "gaierror") and {cause = e}  -- its errno is an EAI code, not an errno
            or {errno = e.errno, strerror = e.strerror, cause = e})
      end
    end
    if not err then
      local cok, e = pcall(sock.connect, sock, target.sockaddr)
      if cok then
        if not state.winner then state.winner = sock end
        nursery.cancel_scope:cancel()
        return
      end
      if not iserror(e, "OSError") then error(e, 0) end
      err = e
    end
    state.errors[i] = err
    failed:set()
  end

  -- The nursery body: starts the attempts, each 'delay' after the previous one or as
  -- soon as the previous one failed.
  local function stagger(nursery, state, delay)
    for i = 1, #state.targets do
      local failed = trio.Event()
      nursery:start_soon(attempt, state, i, failed, nursery)
      trio.move_on_after(delay, failed.wait, failed)
    end
  end

  local allowed = {happy_eyeballs_delay = true, local_address = true}

  -- [async] Connects to host:port and returns a SocketStream.
  local function open_tcp_stream(host, port, opts)
    local fname = "trio.open_tcp_stream"
    core.checkasync(fname)
    if type(host) ~= "string" then
      util.argvalue(fname, 1, "host", "string expected", host)
    elseif host:find("\0", 1, true) then
      util.argvalue(fname, 1, "host", "host name without a NUL byte expected", host)
    end
    port = util.checkport(port, fname, 2)
    opts = util.checkopts(opts, fname, 3, allowed)
    local delay = opts.happy_eyeballs_delay
    if delay == nil then
      delay = DEFAULT_DELAY
    elseif type(delay) ~= "number" then
      argerror(fname, 3, "opts.happy_eyeballs_delay", "number expected", delay)
    elseif delay < 0 or delay ~= delay then
      util.argvalue(fname, 3, "opts.happy_eyeballs_delay", "non-negative number expected", delay)
    end
    local local_address = opts.local_address
    if local_address ~= nil and type(local_address) ~= "string" then
      argerror(fname, 3, "opts.local_address", "string expected", local_address)
    end

    local targets = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    if #targets == 0 then
      raise("OSError", "no results found for hostname lookup: " .. format_host_port(host, port))
    end
    reorder_for_rfc_6555(targets)

    local state = {targets = targets, sockets = {}, errors = {}, winner = nil,
                   local_address = local_address}
    local ok, err = pcall(trio.open_nursery, function(nursery)
      stagger(nursery, state, delay)
    end)
    local winner = ok and state.winner or nil
    for _, sock in ipairs(state.sockets) do
      if sock ~= winner then pcall(sock.close, sock) end
    end
    if not ok then error(err, 0) end
    if not winner then
      local errors = {}
      for i = 1, #targets do
        if state.errors[i] then errors[#errors + 1] = state.errors[i] end
      end
      raise("OSError", "all attempts to connect to " .. format_host_port(host, port) .. " failed",
        {errors = errors})
    end
    local sok, stream = pcall(new_stream, winner)
    if not sok then
      pcall(winner.close, winner)
      error(stream, 0)
    end
    return stream
  end

  -- [async] Connects to the AF_UNIX stream socket at 'path'.
  local function open_unix_socket(path)
    core.checkasync("trio.open_unix_socket")
    if type(path) ~= "string" then
      argerror("trio.open_unix_socket", 1, "path", "string expected", path)
    end
    if not socket.AF_UNIX then
      raise("RuntimeError", "trio.open_unix_socket: AF_UNIX is not supported on this platform")
    end
    local sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0)
    local ok, e = pcall(sock.connect, sock, path)
    if not ok and type(e) == "table" and not e.errno and (iserror(e, "ValueError") or iserror(e, "OSError")) then
      -- a path no address can hold (a NUL inside, too long): say whose call it was
      local class = iserror(e, "ValueError") and "ValueError" or "OSError"
      local msg = tostring(e.message):gsub("^socket:connect: bad argument #1 'address'",
        "trio.open_unix_socket: bad argument #1 'path'"):gsub("^socket:connect:", "trio.open_unix_socket:")
      e = util.newerror(class, msg)
    end
    if ok then ok, e = pcall(new_stream, sock) end
    if not ok then
      pcall(sock.close, sock)
      error(e, 0)
    end
    return e
  end

  trio.open_tcp_stream = open_tcp_stream
  trio.open_unix_socket = open_unix_socket
end
