-- ltrio/socket.lua - the Lua part of trio.socket: the per-run socket factory and
-- hostname resolver hooks, getaddrinfo's order of steps (checkpoint, IDNA, numeric
-- attempt, resolver or thread pool), address resolution for socket methods,
-- from_stdlib_socket, is_socket, and the names left out on purpose.
return function(trio, core)
  local C = core.constants
  local socket = {}
  local lowlevel = trio.lowlevel
  local errors = core.errors
  local SocketType = core.SocketType
  local checkpoint_if_cancelled = core.checkpoint_if_cancelled
  local cancel_shielded_checkpoint = core.cancel_shielded_checkpoint
  local current_root_task = core.current_root_task
  local mtype = math.type

  local function raise(cls, fmt, ...)
    error(core.newerror(cls, string.format(fmt, ...)), 2)
  end

  for k, v in pairs(C) do socket[k] = v end
  socket.gaierror = errors.gaierror
  socket.herror = errors.OSError
  socket.SocketType = SocketType

  -- ---- per-run hooks -------------------------------------------------------------------

  local hooks = setmetatable({}, { __mode = "k" })   -- root task -> {factory=, resolver=}

  local function run_hooks(fname)
    local ok, root = pcall(current_root_task)
    if not ok or root == nil then raise("RuntimeError", "%s: must be called inside trio.run", fname) end
    local h = hooks[root]
    if not h then h = {}; hooks[root] = h end
    return h
  end

  local function current_hooks()
    local ok, root = pcall(current_root_task)
    if ok and root ~= nil then return hooks[root] end
    return nil
  end

  local callable = core.iscallable

  -- A setter of this run's hook 'field' that returns the previous one; the hook is
  -- nil or an object with a callable 'method'.
  local function hook_setter(fname, field, method)
    return function(v)
      if v ~= nil then
        local ok, m = pcall(function() return v[method] end)
        if not ok or not callable(m) then
          raise("TypeError", "%s: bad argument #1 '%s' (nil or an object with a '%s' method expected, got %s)",
            fname, field, method, type(v))
        end
      end
      local h = run_hooks(fname)
      local prev = h[field]
      h[field] = v
      return prev
    end
  end
  socket.set_custom_socket_factory = hook_setter("trio.socket.set_custom_socket_factory", "factory", "socket")
  socket.set_custom_hostname_resolver = hook_setter("trio.socket.set_custom_hostname_resolver", "resolver",
    "getaddrinfo")

  -- ---- constructors --------------------------------------------------------------------

  -- Tasks running their run's socket factory: a socket() they call inside it is a
  -- real one, so a factory can wrap real sockets (instead of calling itself forever).
  local in_factory = setmetatable({}, { __mode = "k" })

  -- The factory's result must be a socket: a real one, or a fake whose metatable's
  -- __index leads to SocketType (API.md §5), as is_socket tells.
  local function from_factory(task, ok, s, ...)
    in_factory[task] = nil
    if not ok then error(s, 0) end
    if not socket.is_socket(s) then
      raise("TypeError", "trio.socket.socket: the socket factory returned %s, not a socket%s", type(s),
        type(s) == "table" and " (a fake must have a metatable whose __index leads to trio.socket.SocketType)" or "")
    end
    return s, ...
  end

  function socket.socket(family, type_, proto, fileno)
    if fileno == nil then
      local h = current_hooks()
      local ok, task = false, nil
      if h and h.factory then ok, task = pcall(core.current_task) end
      if ok and not in_factory[task] then
        in_factory[task] = true
        return from_factory(task, pcall(h.factory.socket, h.factory,
          family or C.AF_INET, type_ or C.SOCK_STREAM, proto or 0))
      end
    end
    return core.socket(family, type_, proto, fileno)
  end

  socket.socketpair = core.socketpair
  socket.fromfd = core.fromfd

  function socket.from_stdlib_socket(obj)
    local fd = mtype(obj) and math.tointeger(obj)  -- numbers only, not numeric strings
    if fd then return core.socket(nil, nil, nil, fd) end
    local ok, getfd = pcall(function() return obj.getfd end)
    if ok and type(getfd) == "function" and type(obj) == "userdata" then
      local fd = math.tointeger(obj:getfd())
      if fd == nil or fd < 0 then
        raise("ValueError", "trio.socket.from_stdlib_socket: the object has no open fd")
      end
      local s = core.socket(nil, nil, nil, fd)
      if type(obj.setfd) == "function" then obj:setfd(-1) end
      return s
    end
    raise("TypeError", "trio.socket.from_stdlib_socket: bad argument #1 'sock' (LuaSocket object or integer fd expected, got %s)",
          type(obj))
  end

  function socket.is_socket(x)
    local mt = getmetatable(x)
    if mt == nil then return false end
    if type(x) == "userdata" then return core.is_real_socket(x) end
    local seen = 0
    while type(mt) == "table" and seen < 32 do
      local idx = rawget(mt, "__index")
      if rawequal(idx, SocketType) then return true end
      if type(idx) ~= "table" then return false end
      mt = getmetatable(idx)
      if rawequal(idx, SocketType) then return true end
      seen = seen + 1
    end
    return false
  end

  -- SocketType is a class, not a constructor; absent methods say what to use instead.
  local absent_methods = {
    setblocking = "ltrio sockets are always non-blocking; use cancel scopes for timeouts",
    getblocking = "ltrio sockets are always non-blocking",
    settimeout = "use cancel scopes (trio.move_on_after, trio.fail_after) instead",
    gettimeout = "use cancel scopes (trio.move_on_after, trio.fail_after) instead",
    makefile = "use trio.SocketStream instead",
    sendall = "use trio.SocketStream(sock):send_all instead",
  }
  setmetatable(SocketType, {
    __call = function()
      raise("TypeError", "trio.socket.SocketType: use trio.socket.socket() to make sockets")
    end,
    __index = function(_, k)
      local why = absent_methods[k]
      if why then raise("AttributeError", "socket has no method '%s': %s", k, why) end
      return nil
    end,
  })

  -- Sockets normally carry the metatable of their kind (l_sockkind.c), whose
  -- __index tables hold the fields and lead to SocketType. The class metatable,
  -- for kinds past that table's capacity: a method straight from SocketType,
  -- anything else (family, type, proto, did_shutdown_SHUT_WR, AttributeError) from
  -- the core's lookup. A Lua function, not a C one: a metamethod called from a
  -- running Lua function starts past that function's registers, and a C function
  -- reserves 20 stack slots there, which would double the coroutine stack of a task
  -- blocked in a socket call.
  do
    local socket_mt = debug.getregistry()["ltrio.socket"]
    local field = socket_mt.__index
    socket_mt.__index = function(self, k)
      local m = SocketType[k]  -- no C call on this path (absent names raise here)
      if m ~= nil then return m end
      return field(self, k)
    end
  end

  -- ---- name lookup ---------------------------------------------------------------------

  -- A custom resolver's result, checked and made like the system resolver's: entries
  -- given by position only or by name only are completed, numbers become integers,
  -- and each table sockaddr is replaced by an address object (a copy: __tostring,
  -- __eq by value). The array and its entries are the resolver's own, updated in place.
  local names = { "family", "type", "proto", "canonname", "sockaddr" }
  local address_mt = debug.getregistry()["ltrio.address"]
  local GAI = "trio.socket.getaddrinfo"

  local function bad_entry(cls, i, fmt, ...)
    error(core.newerror(cls, string.format("%s: the hostname resolver's entry %d " .. fmt, GAI, i, ...)), 3)
  end

  -- The integer value of v, or nil (an integer-valued float counts; a string does not).
  local function int_of(v)
    return mtype(v) and math.tointeger(v)
  end

  local function checked_sockaddr(i, family, sa)
    local inet = family == C.AF_INET or family == C.AF_INET6
    if type(sa) == "string" and not inet then return sa end
    if type(sa) ~= "table" then
      bad_entry("TypeError", i, "has a sockaddr of type %s, not %s", type(sa),
        inet and "a {host, port, ...} table" or "a table or a string")
    end
    local n = 0
    for k = 1, 5 do if rawget(sa, k) ~= nil then n = k end end
    local out = setmetatable({}, address_mt)
    if not inet then
      for k = 1, n do out[k] = rawget(sa, k) end
      return out
    end
    local v6 = family == C.AF_INET6
    if (not v6 and n ~= 2) or (v6 and (n < 2 or n > 4)) then
      bad_entry("ValueError", i, "has a sockaddr of length %d, not a %s table", n,
        v6 and "{host, port, [flowinfo, [scope_id]]}" or "{host, port}")
    end
    local host, port = rawget(sa, 1), int_of(rawget(sa, 2))
    if type(host) ~= "string" then
      bad_entry("TypeError", i, "has a sockaddr host of type %s, not a string", type(host))
    end
    if port == nil then
      bad_entry("TypeError", i, "has a sockaddr port of type %s, not an integer", type(rawget(sa, 2)))
    end
    if port < 0 or port > 65535 then
      bad_entry("ValueError", i, "has a sockaddr port out of range (0-65535): %d", port)
    end
    out[1], out[2] = host, port
    if v6 then
      for k, what in pairs { [3] = "flowinfo", [4] = "scope_id" } do
        local raw = rawget(sa, k)
        local x = raw == nil and 0 or int_of(raw)
        if x == nil then
          bad_entry("TypeError", i, "has a sockaddr %s of type %s, not an integer", what, type(raw))
        end
        out[k] = x
      end
    end
    return out
  end

  local function checked(res)
    if type(res) ~= "table" then
      raise("TypeError", "%s: the hostname resolver returned %s, not an array", GAI, type(res))
    end
    for i, e in ipairs(res) do
      if type(e) ~= "table" then
        bad_entry("TypeError", i, "is a %s, not a {family, type, proto, canonname, sockaddr} table", type(e))
      end
      for k, n in ipairs(names) do
        if e[k] == nil then e[k] = e[n] elseif e[n] == nil then e[n] = e[k] end
      end
      for k = 1, 3 do
        local v = int_of(e[k])
        if v == nil then
          bad_entry("TypeError", i, "has a %s of type %s, not an integer", names[k], type(e[k]))
        end
        e[k], e[names[k]] = v, v
      end
      if type(e[4]) ~= "string" then
        bad_entry("TypeError", i, "has a canonname of type %s, not a string", type(e[4]))
      end
      local sa = checked_sockaddr(i, e[1], e[5])
      e[5], e.sockaddr = sa, sa
    end
    return res
  end

  -- getaddrinfo, for the address given as argument #n of the socket method 'fname' when
  -- one is given: a host IDNA cannot encode names that argument.
  local function getaddrinfo(fname, n, host, port, family, type_, proto, flags)
    core.checkasync("trio.socket.getaddrinfo")
    checkpoint_if_cancelled()
    local ok, res = pcall(function()
      host = core.idna(host, fname, n)
      return core.getaddrinfo_numeric(host, port, family, type_, proto, flags)
    end)
    if not ok or res ~= nil then
      cancel_shielded_checkpoint()
      if not ok then error(res, 0) end
      return res
    end
    local h = current_hooks()
    if h and h.resolver then
      return checked(h.resolver:getaddrinfo(host, port, family or 0, type_ or 0, proto or 0, flags or 0))
    end
    return core.getaddrinfo_thread(host, port, family, type_, proto, flags)
  end

  function socket.getaddrinfo(host, port, family, type_, proto, flags)
    return getaddrinfo(nil, nil, host, port, family, type_, proto, flags)
  end

  function socket.getnameinfo(sockaddr, flags)
    local h = current_hooks()
    if h and h.resolver then
      core.checkasync("trio.socket.getnameinfo")
      checkpoint_if_cancelled()
      if not callable(h.resolver.getnameinfo) then
        raise("TypeError", "trio.socket.getnameinfo: the hostname resolver has no getnameinfo method")
      end
      return h.resolver:getnameinfo(sockaddr, flags)
    end
    return core.getnameinfo(sockaddr, flags)
  end

  socket.getprotobyname = core.getprotobyname

  -- Resolves a non-numeric address for sock:connect/bind/sendto/sendmsg, given as
  -- argument #n of the method 'fname' (called by C, which has checked the address's
  -- shape and types); errors in the address name that argument, as API.md §2 says.
  core.set_address_resolver(function(sock, addr, is_local, fname, n)
    local family = sock.family
    if family ~= C.AF_INET and family ~= C.AF_INET6 then return addr end
    local host, port = addr[1], addr[2]
    -- An integer port outside 0-65535 is a ValueError, as with a numeric host, once
    -- the host has resolved (a failure there is a gaierror), as Python's socket does;
    -- the lookup gets port 0, since getaddrinfo would wrap the port.
    local bad_port = mtype(port) and math.tointeger(port)
    if bad_port and bad_port >= 0 and bad_port <= 65535 then bad_port = nil end
    if bad_port then port = 0 end
    if host == "" then host = nil elseif host == "<broadcast>" then host = "255.255.255.255" end
    local flags = 0
    if is_local then flags = flags | C.AI_PASSIVE end
    if family == C.AF_INET6 and sock:getsockopt(C.IPPROTO_IPV6, C.IPV6_V6ONLY) == 0 then
      flags = flags | C.AI_V4MAPPED
    end
    local res = getaddrinfo(fname, n, host, port, family, sock.type, sock.proto, flags)
    local sa = type(res) == "table" and type(res[1]) == "table" and res[1][5]
    if type(sa) ~= "table" then
      raise("gaierror", "trio.socket: the hostname resolver gave no address for %s", tostring(host))
    end
    if bad_port then
      raise("ValueError", "%s: bad argument #%d 'address' (port between 0 and 65535 expected, got %s)",
        fname, n, tostring(addr[2]))  -- as a numeric host's message shows it
    end
    if family == C.AF_INET6 then
      return { sa[1], sa[2], addr[3] or sa[3] or 0, addr[4] or sa[4] or 0 }
    end
    return { sa[1], sa[2] }
  end)

  -- ---- names left out on purpose -------------------------------------------------------

  local absent = {
    gethostbyname = "use trio.socket.getaddrinfo instead",
    gethostbyname_ex = "use trio.socket.getaddrinfo instead",
    gethostbyaddr = "use trio.socket.getnameinfo instead",
    getservbyport = "use trio.socket.getnameinfo with NI_NUMERICHOST instead",
    getservbyname = "use trio.socket.getaddrinfo(nil, service) instead",
    getfqdn = "use trio.socket.getaddrinfo with AI_CANONNAME instead",
    getdefaulttimeout = "use cancel scopes (trio.move_on_after, trio.fail_after) instead",
    setdefaulttimeout = "use cancel scopes (trio.move_on_after, trio.fail_after) instead",
    create_connection = "use trio.open_tcp_stream instead",
    fromshare = "fromshare is Windows-only",
  }
  setmetatable(socket, {
    __index = function(_, k)
      local why = absent[k]
      if why then raise("AttributeError", "trio.socket has no '%s': %s", k, why) end
      return nil
    end,
  })

  trio.socket = socket
  trio.Buffer = core.Buffer
  trio.errno = core.errno
  lowlevel.wait_readable = core.wait_readable
  lowlevel.wait_writable = core.wait_writable
  lowlevel.notify_closing = core.notify_closing
end
