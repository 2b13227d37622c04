-- open_tcp_listeners, serve_listeners, serve_tcp (API.md §6; TRIO-SEMANTICS §4.4,
-- §4.5, §5 items 107-110), on loopback, and with fake sockets where the kernel cannot
-- be made to fail on cue.
local h = require "spec.helper"
local trio = require "ltrio"
local socket = trio.socket
local E = trio.errno

local function close_all(listeners)
  for _, l in ipairs(listeners) do l:close() end
end

-- A fake socket factory recording what open_tcp_listeners does to its sockets.
-- 'refuse' maps a family to the errno its socket() call raises.
local function fake_factory(refuse)
  local Fake = setmetatable({}, {__index = socket.SocketType})
  Fake.__index = Fake
  local factory = {made = {}}
  function factory:socket(family, type, proto)
    if refuse and refuse[family] then
      local e = trio.OSError("[Errno " .. refuse[family] .. "] refused by the fake factory")
      rawset(e, "errno", refuse[family])
      error(e, 0)
    end
    local s = setmetatable({family = family, type = type, proto = proto, opts = {},
      closed = false}, Fake)
    self.made[#self.made + 1] = s
    return s
  end
  function Fake:setsockopt(level, opt, value) self.opts[level .. ":" .. opt] = value end
  function Fake:getsockopt(level, opt)
    if level == socket.SOL_SOCKET and opt == socket.SO_ACCEPTCONN then return 1 end
    return self.opts[level .. ":" .. opt] or 0
  end
  function Fake:bind(addr) trio.checkpoint(); self.bound = addr end
  function Fake:listen(backlog) self.backlog = backlog end
  function Fake:getsockname() return self.bound end
  function Fake:close() self.closed = true end
  return factory
end

describe("trio.open_tcp_listeners", function()
  it("opens one listener on 127.0.0.1 with SO_REUSEADDR", h.async(function()
    local listeners = trio.open_tcp_listeners(0, {host = "127.0.0.1"})
    assert.are.equal(1, #listeners)
    local s = listeners[1].socket
    assert.are_not.equal(0, s:getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
    assert.are_not.equal(0, s:getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    local addr = s:getsockname()
    assert.are.equal("127.0.0.1", addr[1])
    assert.is_true(addr[2] > 0)
    close_all(listeners)
  end))

  it("opens IPv4 and IPv6 wildcard listeners (V6ONLY) sharing one port when host is nil", h.async(function()
    h.skip_unless(h.ipv6, "IPv6 unavailable")
    local listeners = trio.open_tcp_listeners(0)
    local seen, port = {}, nil
    for _, l in ipairs(listeners) do
      local s = l.socket
      seen[s.family] = s:getsockname()[1]
      port = port or s:getsockname()[2]
      assert.are.equal(port, s:getsockname()[2])
      if s.family == socket.AF_INET6 then
        assert.are_not.equal(0, s:getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
      end
    end
    assert.are.equal("0.0.0.0", seen[socket.AF_INET])
    assert.are.equal("::", seen[socket.AF_INET6])
    -- a client on 127.0.0.1 reaches the IPv4 one
    local c = trio.open_tcp_stream("127.0.0.1", port)
    c:close()
    close_all(listeners)
  end))

  it("raises TypeError for a port that is not an integer", h.async(function()
    for _, bad in ipairs{"80", "http", 1.5, true} do
      local err = h.raises("TypeError", trio.open_tcp_listeners, bad)
      assert.matches("trio.open_tcp_listeners: bad argument #1 'port'", err.message, 1, true)
    end
    h.raises("TypeError", trio.open_tcp_listeners, nil)
    h.raises("TypeError", trio.open_tcp_listeners, 0, {backlog = 2.5})
    h.raises("TypeError", trio.open_tcp_listeners, 0, {hots = "127.0.0.1"})
  end))

  it("passes min(backlog, 0xFFFF) to listen, 0xFFFF by default", h.async(function()
    for _, case in ipairs{{nil, 0xFFFF}, {99999999, 0xFFFF}, {10, 10}} do
      local factory = fake_factory()
      socket.set_custom_socket_factory(factory)
      local listeners = trio.open_tcp_listeners(80, {host = "127.0.0.1", backlog = case[1]})
      assert.are.equal(1, #listeners)
      assert.are.equal(case[2], factory.made[1].backlog)
      assert.are.equal(1, factory.made[1].opts[socket.SOL_SOCKET .. ":" .. socket.SO_REUSEADDR])
    end
    socket.set_custom_socket_factory(nil)
  end))

  it("skips a family whose socket() raises EAFNOSUPPORT", h.async(function()
    local factory = fake_factory{[socket.AF_INET] = E.EAFNOSUPPORT}
    socket.set_custom_socket_factory(factory)
    local listeners = trio.open_tcp_listeners(80, {host = "::1"})
    assert.are.equal(1, #listeners)
    assert.are.equal(socket.AF_INET6, listeners[1].socket.family)
    local v6 = socket.IPPROTO_IPV6 .. ":" .. socket.IPV6_V6ONLY
    assert.are.equal(1, factory.made[1].opts[v6])
    -- every family unsupported: OSError EAFNOSUPPORT
    socket.set_custom_socket_factory(fake_factory{[socket.AF_INET] = E.EAFNOSUPPORT,
      [socket.AF_INET6] = E.EAFNOSUPPORT})
    local err = h.raises("OSError", trio.open_tcp_listeners, 80, {host = "127.0.0.1"})
    assert.are.equal(E.EAFNOSUPPORT, err.errno)
    assert.matches("This system doesn't support", err.message, 1, true)
    socket.set_custom_socket_factory(nil)
  end))

  it("shares the first port with port 0, and falls back to a port of its own on EADDRINUSE", h.async(function()
    local factory = fake_factory()
    local Fake = getmetatable(factory:socket(socket.AF_INET, socket.SOCK_STREAM, 0))
    factory.made = {}
    local taken = {}   -- "family:port" pairs the fake kernel refuses
    function Fake:bind(addr)
      trio.checkpoint()
      local port = addr[2]
      if port == 0 then port = 40000 + #factory.made end
      if taken[self.family .. ":" .. port] then
        local e = trio.OSError("[Errno " .. E.EADDRINUSE .. "] Address already in use")
        rawset(e, "errno", E.EADDRINUSE)
        error(e, 0)
      end
      self.bound = {addr[1], port}
    end
    socket.set_custom_socket_factory(factory)
    local Resolver = {}
    function Resolver:getaddrinfo(host, port, family, type, proto, flags)
      assert.are.equal(socket.AI_PASSIVE, flags)
      return {
        {socket.AF_INET, socket.SOCK_STREAM, 6, "", {"0.0.0.0", port}},
        {socket.AF_INET6, socket.SOCK_STREAM, 6, "", {"::", port, 0, 0}},
      }
    end
    function Resolver:getnameinfo() error("unused") end
    socket.set_custom_hostname_resolver(Resolver)
    local listeners = trio.open_tcp_listeners(0)
    assert.are.equal(2, #listeners)
    assert.are.equal(40001, listeners[1].socket:getsockname()[2])
    assert.are.equal(40001, listeners[2].socket:getsockname()[2])
    -- the shared port is taken for IPv6: that listener gets its own
    factory.made = {}
    taken[socket.AF_INET6 .. ":40001"] = true
    listeners = trio.open_tcp_listeners(0)
    assert.are.equal(40001, listeners[1].socket:getsockname()[2])
    assert.are.equal(40002, listeners[2].socket:getsockname()[2])
    socket.set_custom_socket_factory(nil)
    socket.set_custom_hostname_resolver(nil)
  end))

  it("closes every listener already opened when one fails", h.async(function()
    local factory = fake_factory{[socket.AF_INET6] = E.EPERM}
    socket.set_custom_socket_factory(factory)
    local Resolver = {}
    function Resolver:getaddrinfo(host, port, family, type, proto, flags)
      return {
        {socket.AF_INET, socket.SOCK_STREAM, 6, "", {"0.0.0.0", port}},
        {socket.AF_INET6, socket.SOCK_STREAM, 6, "", {"::", port, 0, 0}},
      }
    end
    function Resolver:getnameinfo() error("unused") end
    socket.set_custom_hostname_resolver(Resolver)
    local err = h.raises("OSError", trio.open_tcp_listeners, 80)
    assert.are.equal(E.EPERM, err.errno)
    assert.is_true(factory.made[1].closed)
    socket.set_custom_socket_factory(nil)
    socket.set_custom_hostname_resolver(nil)
  end))
end)

describe("trio.serve_tcp", function()
  it("returns the listeners through nursery:start; each handler's stream is closed after it", h.async(function()
    local served
    trio.open_nursery(function(nursery)
      local listeners = nursery:start(trio.serve_tcp, function(stream)
        stream:send_all("x")
      end, 0, {host = "127.0.0.1"})
      assert.are.equal(1, #listeners)
      assert.are.equal("ltrio.SocketListener", getmetatable(listeners[1]).__name)
      local port = listeners[1].socket:getsockname()[2]
      local c = trio.open_tcp_stream("127.0.0.1", port)
      assert.are.equal("x", c:receive_some())
      assert.are.equal("", c:receive_some())
      c:close()
      nursery.cancel_scope:cancel()
      served = listeners
    end)
    -- the listeners are closed once the server is cancelled
    assert.are.equal(-1, served[1].socket:fileno())
  end))

  it("closes the stream when the handler fails, and the error reaches the nursery", h.async(function()
    local err = h.raises("ValueError", trio.open_nursery, function(nursery)
      local listeners = nursery:start(trio.serve_tcp, function(stream)
        error(trio.ValueError("handler failed"), 0)
      end, 0, {host = "127.0.0.1"})
      local c = trio.open_tcp_stream("127.0.0.1", listeners[1].socket:getsockname()[2])
      local _ <close> = c
      -- the handler's stream is closed: EOF (or a reset) here
      local ok, data = trio.pcall(c.receive_some, c)
      assert.is_true(not ok or data == "")
      trio.sleep_forever()
    end)
    assert.are.equal("handler failed", err.message)
  end))

  it("runs handlers in opts.handler_nursery", h.async(function()
    trio.open_nursery(function(outer)
      local started_in
      trio.open_nursery(function(server_nursery)
        local listeners = server_nursery:start(trio.serve_tcp, function(stream)
          started_in = trio.lowlevel.current_task()
          stream:send_all("ok")
          trio.sleep_forever()
        end, 0, {host = "127.0.0.1", handler_nursery = outer})
        local c <close> = trio.open_tcp_stream("127.0.0.1", listeners[1].socket:getsockname()[2])
        assert.are.equal("ok", c:receive_some())
        -- cancelling the server leaves the handler (in 'outer') running
        server_nursery.cancel_scope:cancel()
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_not_nil(started_in)
      outer.cancel_scope:cancel()
    end)
  end))

  it("serves many clients concurrently", h.async(function()
    trio.open_nursery(function(nursery)
      local listeners = nursery:start(trio.serve_tcp, function(stream)
        while true do
          local d = stream:receive_some()
          if d == "" then return end
          stream:send_all(d)
        end
      end, 0, {host = "127.0.0.1"})
      local port = listeners[1].socket:getsockname()[2]
      trio.open_nursery(function(clients)
        for i = 1, 20 do
          clients:start_soon(function()
            local c <close> = trio.open_tcp_stream("127.0.0.1", port)
            c:send_all("client " .. i)
            local got = ""
            while #got < #("client " .. i) do got = got .. c:receive_some() end
            assert.are.equal("client " .. i, got)
          end)
        end
      end)
      nursery.cancel_scope:cancel()
    end)
  end))

  it("raises argument errors", h.async(function()
    h.raises("TypeError", trio.serve_tcp, nil, 0)
    h.raises("TypeError", trio.serve_tcp, print, "80")
    h.raises("TypeError", trio.serve_tcp, print, 0, {hots = 1})
  end))
end)

describe("trio.serve_listeners", function()
  -- A listener whose accept always fails with 'errno' (as Trio's test does).
  local function failing_listener(errno)
    local l = {closed = false}
    function l:accept()
      trio.checkpoint()
      local e = trio.OSError("[Errno " .. errno .. "] out of fds")
      rawset(e, "errno", errno)
      rawset(e, "strerror", "Too many open files")
      error(e, 0)
    end
    function l:aclose() self.closed = true; trio.checkpoint() end
    function l:close() self.closed = true end
    return l
  end

  it("logs EMFILE, sleeps 0.1 s and retries: 10 records in 0.95 s", h.async_mock(function()
    local records = {}
    local listener = failing_listener(E.EMFILE)
    trio.move_on_after(0.95, trio.serve_listeners, function() end, {listener},
      {log = function(message) records[#records + 1] = message end})
    assert.are.equal(10, #records)
    assert.are.equal("ltrio: accept returned EMFILE (Too many open files); retrying in 0.1 seconds",
      records[1])
    assert.is_true(listener.closed)
  end))

  it("writes the log line to io.stderr when opts.log is not given", h.async_mock(function()
    local written = {}
    local real = io.stderr
    io.stderr = {write = function(self, ...)
      for _, s in ipairs{...} do written[#written + 1] = s end
      return self
    end}
    local ok, err = pcall(trio.move_on_after, 0.25, trio.serve_listeners, function() end,
      {failing_listener(E.ENFILE)})
    io.stderr = real
    assert(ok, tostring(err))
    local text = table.concat(written)
    assert.matches("^ltrio: accept returned ENFILE %(.*%); retrying in 0.1 seconds\n", text)
    assert.are.equal(3, select(2, text:gsub("\n", "")))
  end))

  it("lets other accept errors crash the server", h.async_mock(function()
    local listener = failing_listener(E.EINVAL)
    local err = h.raises("OSError", trio.serve_listeners, function() end, {listener})
    assert.are.equal(E.EINVAL, err.errno)
    assert.is_true(listener.closed)
  end))

  -- A listener handing out 'streams' one per accept, then waiting forever.
  local function queue_listener(streams)
    local l = {}
    function l:accept()
      trio.checkpoint()
      local s = table.remove(streams, 1)
      if s == nil then trio.sleep_forever() end
      return s
    end
    function l:close() end
    return l
  end

  -- A stream whose __close records the error it was given and runs 'on_close'.
  local function closable(log, name, on_close)
    return setmetatable({name = name}, {__close = function(self, err)
      log[#log + 1] = name .. " closed" .. (err and (": " .. tostring(err.message or err)) or "")
      if on_close then on_close() end
    end})
  end

  it("closes each stream after its handler, with the handler's error, in the handler's task", h.async(function()
    local log, tasks = {}, {}
    local function handler(stream)
      tasks[stream.name] = trio.lowlevel.current_task()
      log[#log + 1] = stream.name .. " handled"
      if stream.name == "b" then error(trio.ValueError("b failed"), 0) end
    end
    local err = h.raises("ValueError", trio.serve_listeners, handler, {queue_listener{
      closable(log, "a", function() trio.checkpoint() end),  -- a __close may yield
      closable(log, "b")}})
    assert.are.equal("b failed", err.message)
    assert.are.same({"a handled", "a closed", "b handled", "b closed: b failed"}, log)
    -- the task is named after the handler, not after a wrapper of the server's
    assert.matches("listeners_spec.lua:" .. debug.getinfo(handler, "S").linedefined .. "$", tasks.a.name)
  end))

  it("closes a stream without __close with aclose_forcefully, as Trio, also after an error", h.async(function()
    local deadlines = {}
    local function plain(name)
      return {name = name, aclose = function() deadlines[#deadlines + 1] = trio.current_effective_deadline() end}
    end
    local err = h.raises("ValueError", trio.serve_listeners, function(stream)
      if stream.name == "b" then error(trio.ValueError("b failed"), 0) end
    end, {queue_listener{plain("a"), plain("b")}})
    assert.are.equal("b failed", err.message)
    assert.are.same({-math.huge, -math.huge}, deadlines)  -- inside a cancelled scope: forceful
  end))

  it("lets an error of a stream's __close replace the handler's outcome", h.async(function()
    local log = {}
    local err = h.raises("RuntimeError", trio.serve_listeners, function(stream)
      if stream.name == "fails" then error(trio.ValueError("handler failed"), 0) end
    end, {queue_listener{
      closable(log, "ok", function() error(trio.RuntimeError("close failed"), 0) end)}})
    assert.are.equal("close failed", err.message)
    err = h.raises("RuntimeError", trio.serve_listeners, function(stream)
      error(trio.ValueError("handler failed"), 0)
    end, {queue_listener{
      closable(log, "fails", function() error(trio.RuntimeError("close failed too"), 0) end)}})
    assert.are.equal("close failed too", err.message)
    assert.are.same({"ok closed", "fails closed: handler failed"}, log)
  end))

  it("works with a handler_nursery that is any object with start_soon", h.async(function()
    local log, spawned = {}, 0
    trio.open_nursery(function(real)
      local proxy = {start_soon = function(_, fn, ...)
        spawned = spawned + 1
        real:start_soon(fn, ...)
      end}
      trio.move_on_after(5, function()
        trio.open_nursery(function(server)
          server:start_soon(trio.serve_listeners, function(stream)
            log[#log + 1] = stream.name .. " handled"
            server.cancel_scope:cancel()
          end, {queue_listener{closable(log, "a")}}, {handler_nursery = proxy})
        end)
      end)
    end)
    assert.are.equal(1, spawned)
    assert.are.same({"a handled", "a closed"}, log)
  end))

  it("calls trio.started(listeners) with the very table it was given", h.async(function()
    local listeners = trio.open_tcp_listeners(0, {host = "127.0.0.1"})
    trio.open_nursery(function(nursery)
      local got = nursery:start(trio.serve_listeners, function() end, listeners)
      assert.are.equal(listeners, got)
      nursery.cancel_scope:cancel()
    end)
    assert.are.equal(-1, listeners[1].socket:fileno())
  end))
end)
