-- serve.lua - trio.open_tcp_listeners, trio.serve_listeners and trio.serve_tcp
-- (API.md §6). Installed by streams.lua.

local type, pcall, error, ipairs, tostring = type, pcall, error, ipairs, tostring

local MAX_BACKLOG = 0xFFFF
local ACCEPT_RETRY_DELAY = 0.1

return function(trio, core, util)
  local socket, E = trio.socket, trio.errno
  local iserror, raise, argerror = trio.iserror, util.raise, util.argerror

  ---------------------------------------------------------------------------------
  -- open_tcp_listeners

  -- Binds 'sock' to 'sockaddr' with its port replaced by 'port'.
  local function bind_port(sock, sockaddr, port)
    local addr = {sockaddr[1], port}
    if sockaddr[3] ~= nil then addr[3], addr[4] = sockaddr[3], sockaddr[4] end
    sock:bind(addr)
  end

  -- Makes one listening socket for getaddrinfo entry 'ai'; 'share' is the port to
  -- reuse (port 0 requested, a first listener already bound) or nil. Returns the
  -- socket, or nil and the error; the socket is closed on failure.
  local function listen_one(sock, ai, backlog, share)
    local ok, e = pcall(function()
      sock:setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      if ai.family == socket.AF_INET6 then
        sock:setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
      end
      if share then
        local bok, be = pcall(bind_port, sock, ai.sockaddr, share)
        if not bok then
          -- The shared port is taken on this address: fall back to a port of its own.
          if not (iserror(be, "OSError") and be.errno == E.EADDRINUSE) then error(be, 0) end
          sock:bind(ai.sockaddr)
        end
      else
        sock:bind(ai.sockaddr)
      end
      sock:listen(backlog)
      return util.new_listener(sock)
    end)
    if ok then return e end
    pcall(sock.close, sock)
    return nil, e
  end

  local listeners_opts = {host = true, backlog = true}

  -- 'i' is the argument number of 'port' (opts follow it).
  local function check_port_backlog(fname, i, port, opts)
    core.checkasync(fname)
    port = util.checkport(port, fname, i)
    local backlog = opts.backlog
    if backlog == nil then
      backlog = MAX_BACKLOG
    else
      backlog = util.checkint(backlog, fname, i + 1, "opts.backlog")
      if backlog > MAX_BACKLOG then backlog = MAX_BACKLOG end
    end
    local host = opts.host
    if host ~= nil and type(host) ~= "string" then
      argerror(fname, i + 1, "opts.host", "string expected", host)
    end
    return port, backlog, host
  end

  local function open_listeners(fname, i, port, opts)
    local backlog, host
    port, backlog, host = check_port_backlog(fname, i, port, opts)
    local addrs = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    local listeners, unsupported = {}, {}
    local share = nil
    local function fail(e)
      for _, l in ipairs(listeners) do pcall(l.close, l) end
      error(e, 0)
    end
    for _, ai in ipairs(addrs) do
      local ok, sock = pcall(socket.socket, ai.family, ai.type, ai.proto)
      if ok then
        local listener, e = listen_one(sock, ai, backlog, share)
        if not listener then fail(e) end
        listeners[#listeners + 1] = listener
        if port == 0 and share == nil then
          local gok, name = pcall(sock.getsockname, sock)
          if gok and type(name) == "table" and math.type(name[2]) == "integer" then
            share = name[2]
          end
        end
      elseif iserror(sock, "OSError") and sock.errno == E.EAFNOSUPPORT then
        unsupported[#unsupported + 1] = sock
      else
        fail(sock)
      end
    end
    if #listeners == 0 and #unsupported > 0 then
      raise("OSError", "This system doesn't support any of the kinds of socket that that address could use",
        {errno = E.EAFNOSUPPORT, strerror = unsupported[1].strerror, errors = unsupported})
    end
    return listeners
  end

  -- [async] Returns an array of SocketListener for 'port' on opts.host (nil: every
  -- wildcard address, IPv4 and IPv6).
  local function open_tcp_listeners(port, opts)
    opts = util.checkopts(opts, "trio.open_tcp_listeners", 2, listeners_opts)
    return open_listeners("trio.open_tcp_listeners", 1, port, opts)
  end

  ---------------------------------------------------------------------------------
  -- serve_listeners, serve_tcp

  local CAPACITY = {}
  for _, name in ipairs{"EMFILE", "ENFILE", "ENOMEM", "ENOBUFS"} do
    if E[name] then CAPACITY[E[name]] = name end
  end

  -- The body of a connection's task: runs the handler, then closes the stream whether
  -- it returned or failed: through its __close (the <close> runs during the unwind), or,
  -- for a stream without one, with aclose_forcefully, as Trio. Used for nurseries and
  -- streams of other kinds; core.start_soon_closing does the first without this frame,
  -- which every idle connection would keep.
  local start_soon_closing = core.start_soon_closing
  local function run_handler(handler, stream)
    local mt = debug.getmetatable(stream)
    if type(mt) == "table" and rawget(mt, "__close") ~= nil then
      local _ <close> = stream
      handler(stream)
      return
    end
    local ok, e = xpcall(handler, core.msgh, stream)  -- msgh: where it was raised, for reports
    trio.aclose_forcefully(stream)
    if not ok then error(e, 0) end
  end

  -- Closes a listener without waiting, whatever kind of object it is.
  local function close_listener(listener)
    pcall(trio.aclose_forcefully, listener)
  end

  -- One accept loop per listener; closes its listener when it ends (cancelled).
  local function serve_one(listener, handler, handler_nursery, log)
    local ok, e = pcall(function()
      while true do
        local aok, stream = pcall(listener.accept, listener)
        if aok then
          if not start_soon_closing(handler_nursery, handler, stream) then
            handler_nursery:start_soon(run_handler, handler, stream)
          end
        elseif iserror(stream, "OSError") and CAPACITY[stream.errno] then
          log(string.format("ltrio: accept returned %s (%s); retrying in %s seconds",
            CAPACITY[stream.errno], stream.strerror or "", ACCEPT_RETRY_DELAY))
          trio.sleep(ACCEPT_RETRY_DELAY)
        else
          error(stream, 0)
        end
      end
    end)
    close_listener(listener)
    if not ok then error(e, 0) end
  end

  local function stderr_log(message)
    io.stderr:write(message, "\n")
  end

  local serve_opts = {handler_nursery = true, log = true}

  -- A Nursery, or any object with a start_soon method.
  local function check_handler_nursery(fname, v)
    if v == nil then return end
    local ok, start_soon = pcall(function() return v.start_soon end)
    if not ok or not pcall(util.checkcallable, start_soon, fname, 3, "opts.handler_nursery") then
      argerror(fname, 3, "opts.handler_nursery", "Nursery (an object with start_soon) expected", v)
    end
  end

  local function serve(fname, i, handler, listeners, opts)
    local handler_nursery, log = opts.handler_nursery, opts.log
    if log == nil then
      log = stderr_log
    else
      util.checkcallable(log, fname, i, "opts.log")
    end
    trio.open_nursery(function(nursery)
      handler_nursery = handler_nursery or nursery
      for _, listener in ipairs(listeners) do
        nursery:start_soon(serve_one, listener, handler, handler_nursery, log)
      end
      trio.started(listeners)
    end)
  end

  -- [async] Serves every listener of 'listeners' forever: handler(stream) per
  -- connection. Calls trio.started(listeners).
  local function serve_listeners(handler, listeners, opts)
    local fname = "trio.serve_listeners"
    util.checkcallable(handler, fname, 1, "handler")
    if type(listeners) ~= "table" then
      argerror(fname, 2, "listeners", "array of listeners expected", listeners)
    end
    for _, listener in ipairs(listeners) do
      local ok, accept = pcall(function() return listener.accept end)
      if not ok or type(accept) ~= "function" then
        argerror(fname, 2, "listeners", "array of listeners (objects with an accept method) expected", listener)
      end
    end
    opts = util.checkopts(opts, fname, 3, serve_opts)
    check_handler_nursery(fname, opts.handler_nursery)
    core.checkasync(fname)
    serve(fname, 3, handler, listeners, opts)
  end

  local serve_tcp_opts = {host = true, backlog = true, handler_nursery = true, log = true}

  -- [async] open_tcp_listeners(port, opts) then serve_listeners.
  local function serve_tcp(handler, port, opts)
    local fname = "trio.serve_tcp"
    util.checkcallable(handler, fname, 1, "handler")
    opts = util.checkopts(opts, fname, 3, serve_tcp_opts)
    if opts.log ~= nil then util.checkcallable(opts.log, fname, 3, "opts.log") end
    check_handler_nursery(fname, opts.handler_nursery)
    local listeners = open_listeners(fname, 2, port, opts)
    serve(fname, 3, handler, listeners, opts)
  end

  trio.open_tcp_listeners = open_tcp_listeners
  trio.serve_listeners = serve_listeners
  trio.serve_tcp = serve_tcp
end
