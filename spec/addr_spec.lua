-- spec/addr_spec.lua - addresses as socket methods take and return them: numeric fast
-- path, resolution, "" and "<broadcast>", IPv6 flowinfo/scope_id, AF_UNIX paths and
-- abstract names, AF_NETLINK, AF_PACKET, wrong shapes.
local h = require "spec.helper"
local trio = h.trio
local S = trio.socket

-- A resolver that records calls and otherwise resolves numerically.
local function counting()
  local r = { n = 0 }
  function r:getaddrinfo(host, port, family, type_, proto, flags)
    self.n = self.n + 1
    self.last = { host, port, family, type_, proto, flags }
    return S.getaddrinfo("127.0.0.1", tonumber(port) or 80, family, type_, proto, flags)
  end
  return r
end

describe("addresses", function()
  it("bind(('localhost', 0)) resolves; connect to ('localhost', port) connects", h.async(function()
    local l = S.socket()
    l:bind({ "localhost", 0 })
    assert.equal("127.0.0.1", l:getsockname()[1])
    l:listen()
    local c = S.socket()
    c:connect({ "localhost", l:getsockname()[2] })
    local s = l:accept()
    s:close(); c:close(); l:close()
  end))

  it("a numeric host with an integer port never reaches the resolver", h.async(function()
    local r = counting()
    S.set_custom_hostname_resolver(r)
    local a = S.socket(S.AF_INET, S.SOCK_DGRAM)
    a:bind({ "127.0.0.1", 0 })
    local port = a:getsockname()[2]
    a:sendto("x", { "127.0.0.1", port })
    a:sendto("x", { "127.0.0.1", port + 0.0 })
    assert.equal(0, r.n)
    a:sendto("x", { "127.0.0.1", tostring(port) })  -- a string port: numeric, no resolver
    assert.equal(0, r.n)
    a:sendto("x", { "127.0.0.1", "http" })          -- a service name: resolver
    assert.equal(1, r.n)
    assert.equal("http", r.last[2])
    a:close()
    S.set_custom_hostname_resolver(nil)
  end))

  it("'' and nil mean the wildcard for bind and loopback otherwise; <broadcast>", h.async(function()
    local s = S.socket(S.AF_INET, S.SOCK_DGRAM)
    s:bind({ "", 0 })
    assert.equal("0.0.0.0", s:getsockname()[1])
    local port = s:getsockname()[2]
    local c = S.socket(S.AF_INET, S.SOCK_DGRAM)
    c:connect({ "", port })
    assert.equal("127.0.0.1", c:getpeername()[1])
    c:close()
    c = S.socket(S.AF_INET, S.SOCK_DGRAM)
    c:connect({ nil, port })
    assert.equal("127.0.0.1", c:getpeername()[1])
    c:close()
    c = S.socket(S.AF_INET, S.SOCK_DGRAM)
    c:setsockopt(S.SOL_SOCKET, S.SO_BROADCAST, true)
    c:connect({ "<broadcast>", 9 })
    assert.equal("255.255.255.255", c:getpeername()[1])
    c:close()
    s:close()
  end))

  it("bind with an unparseable host is gaierror; resolution failure leaves connect's socket open", h.async(function()
    local s = S.socket()
    h.raises("gaierror", s.bind, s, { "1.2:3", -1 })
    S.set_custom_hostname_resolver({ getaddrinfo = function() error(S.gaierror("nope")) end })
    h.raises("gaierror", s.connect, s, { "no.such.name", 80 })
    assert.is_true(s:fileno() >= 0)
    S.set_custom_hostname_resolver(nil)
    s:close()
  end))

  -- The message of 'class' that fn(...) raises.
  local function message(class, fn, ...)
    return h.raises(class, fn, ...).message
  end

  it("checks shapes: ValueError for lengths, TypeError for types", h.async(function()
    local s4 = S.socket()
    local e = h.raises("ValueError", s4.connect, s4, { "localhost" })
    assert.equal("socket:connect: bad argument #1 'address' (AF_INET address {host, port} expected, " ..
      "got table of length 1)", e.message)
    h.raises("ValueError", s4.connect, s4, { "127.0.0.1", 1, 2, 3 })
    h.raises("TypeError", s4.connect, s4, "localhost")
    h.raises("TypeError", s4.bind, s4, { 5, 80 })
    h.raises("ValueError", s4.bind, s4, { "127.0.0.1", 70000 })
    h.raises("TypeError", s4.bind, s4, { "127.0.0.1", {} })
    s4:close()
    local u = S.socket(S.AF_UNIX)
    h.raises("TypeError", u.bind, u, { "x" })
    h.raises("OSError", u.bind, u, string.rep("x", 200))  -- as Python
    u:close()
    if h.ipv6 then
      local s6 = S.socket(S.AF_INET6)
      e = h.raises("ValueError", s6.connect, s6, { "::1" })
      assert.matches("flowinfo", e.message)
      h.raises("ValueError", s6.connect, s6, { "::1", 1, 2, 3, 4 })
      s6:close()
    end
  end))

  it("rejects an integer port outside 0-65535 with a host name as with a numeric host", h.async(function()
    local r = counting()
    S.set_custom_hostname_resolver(r)
    local d <close> = S.socket(S.AF_INET, S.SOCK_DGRAM)
    local c <close> = S.socket()
    for _, host in ipairs { "127.0.0.1", "localhost", "" } do
      for _, port in ipairs { 70000, 65536 + 22, 65536, -1, 2 ^ 53 } do
        local msg = "'address' (port between 0 and 65535 expected, got " .. tostring(port) .. ")"
        assert.equal("socket:sendto: bad argument #2 " .. msg, message("ValueError", d.sendto, d, "hi", { host, port }))
        assert.equal("socket:sendto: bad argument #3 " .. msg,
          message("ValueError", d.sendto, d, "hi", 0, { host, port }))
        assert.equal("socket:connect: bad argument #1 " .. msg, message("ValueError", c.connect, c, { host, port }))
        assert.equal("socket:bind: bad argument #1 " .. msg, message("ValueError", d.bind, d, { host, port }))
        assert.equal("socket:sendmsg: bad argument #4 " .. msg,
          message("ValueError", d.sendmsg, d, { "hi" }, {}, 0, { host, port }))
      end
    end
    -- as Python's socket, the host name is resolved first (so a name that does not
    -- resolve is still a gaierror), with port 0: the resolver never sees the bad port,
    -- which getaddrinfo would wrap
    assert.equal(5 * 5, r.n)
    assert.same({ "localhost", 0 }, { r.last[1], r.last[2] })
    assert.is_true(c:fileno() >= 0)  -- connect's socket stays open
    S.set_custom_hostname_resolver({ getaddrinfo = function() error(S.gaierror("nope")) end })
    h.raises("gaierror", c.connect, c, { "no.such.name", 70000 })
    S.set_custom_hostname_resolver(nil)
    h.raises("gaierror", d.bind, d, { "1.2:3", -1 })
    if h.ipv6 then
      local s6 <close> = S.socket(S.AF_INET6, S.SOCK_DGRAM)
      assert.equal("socket:sendto: bad argument #2 'address' (port between 0 and 65535 expected, got 70000)",
        message("ValueError", s6.sendto, s6, "hi", { "localhost", 70000, 0, 0 }))
    end
    -- getaddrinfo itself does as Python's socket.getaddrinfo (and Trio's): the system
    -- resolver takes the port as a service number and keeps its low 16 bits
    assert.equal(0, S.getaddrinfo("127.0.0.1", 65536, S.AF_INET, S.SOCK_STREAM)[1].sockaddr[2])
    assert.equal(4464, S.getaddrinfo("localhost", 70000, S.AF_INET, S.SOCK_STREAM)[1].sockaddr[2])
    h.raises("gaierror", S.getaddrinfo, "localhost", -1, S.AF_INET, S.SOCK_STREAM)
  end))

  it("names the method and the address argument in API.md §2's format", h.async(function()
    local s <close> = S.socket(S.AF_INET, S.SOCK_DGRAM)
    local pre = "socket:connect: bad argument #1 'address' ("
    assert.equal(pre .. "AF_INET address {host, port} expected, got string)",
      message("TypeError", s.connect, s, "localhost"))
    assert.equal(pre .. "AF_INET address {host, port} expected, got table of length 4)",
      message("ValueError", s.connect, s, { "localhost", 1, 2, 3 }))
    assert.equal(pre .. "AF_INET address {host, port} expected, got table of length 6)",
      message("ValueError", s.connect, s, { "127.0.0.1", 80, nil, nil, nil, 1 }))
    assert.equal(pre .. "string or nil host expected, got number)", message("TypeError", s.connect, s, { 5, 80 }))
    assert.equal(pre .. "integer port expected, got 1.5)", message("TypeError", s.connect, s, { "127.0.0.1", 1.5 }))
    assert.equal(pre .. "integer port expected, got table)", message("TypeError", s.connect, s, { "127.0.0.1", {} }))
    assert.equal(pre .. 'host without a NUL byte expected, got string "127.0.0.1\\0x")',
      message("ValueError", s.connect, s, { "127.0.0.1\0x", 80 }))
    assert.equal("socket:bind: bad argument #1 'address' (port between 0 and 65535 expected, got 70000)",
      message("ValueError", s.bind, s, { "127.0.0.1", 70000 }))
    -- sendto counts the address where it was given: after the data, or after the flags
    assert.equal("socket:sendto: bad argument #2 'address' (AF_INET address {host, port} expected, got string)",
      message("TypeError", s.sendto, s, "x", "localhost"))
    assert.equal("socket:sendto: bad argument #3 'address' (port between 0 and 65535 expected, got -1)",
      message("ValueError", s.sendto, s, "x", 0, { "127.0.0.1", -1 }))
    assert.equal("socket:sendmsg: bad argument #4 'address' (AF_INET address {host, port} expected, got number)",
      message("TypeError", s.sendmsg, s, { "x" }, nil, 0, 5))
    assert.equal("trio.socket.getnameinfo: bad argument #1 'sockaddr' (port between 0 and 65535 expected, " ..
      "got 70000)", message("ValueError", S.getnameinfo, { "127.0.0.1", 70000 }, 0))
    local u <close> = S.socket(S.AF_UNIX)
    assert.equal("socket:bind: bad argument #1 'address' (AF_UNIX address string expected, got table)",
      message("TypeError", u.bind, u, { "x" }))
    assert.equal('socket:bind: bad argument #1 \'address\' (AF_UNIX path without a NUL byte expected, ' ..
      'got string "a\\0b")', message("ValueError", u.bind, u, "a\0b"))
  end))

  it("names IPv6 flowinfo and scope_id out of range", h.async(function()
    h.skip_unless(h.ipv6, "IPv6 loopback unavailable")
    local s6 <close> = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    local pre = "socket:bind: bad argument #1 'address' ("
    assert.equal(pre .. "flowinfo between 0 and 1048575 expected, got -1)",
      message("ValueError", s6.bind, s6, { "::1", 0, -1, 0 }))
    assert.equal(pre .. "scope_id between 0 and 4294967295 expected, got 4294967296)",
      message("ValueError", s6.bind, s6, { "::1", 0, 0, 1 << 32 }))
    assert.equal(pre .. "integer flowinfo expected, got string)", message("TypeError", s6.bind, s6, { "::1", 0, "x" }))
    assert.equal(pre .. "AF_INET6 address {host, port [, flowinfo [, scope_id]]} expected, got table of length 5)",
      message("ValueError", s6.bind, s6, { "::1", 0, 0, 0, 0 }))
    assert.equal("trio.socket.getnameinfo: bad argument #1 'sockaddr' (flowinfo between 0 and 1048575 expected, " ..
      "got 1048576)", message("ValueError", S.getnameinfo, { "fe80::1%lo", 0, 1 << 20 }, 0))
  end))

  it("keeps IPv6 flowinfo and scope_id, and maps IPv4 names when V6ONLY is off", h.async(function()
    h.skip_unless(h.ipv6, "IPv6 loopback unavailable")
    local s = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    s:bind({ "::1", 0 })
    local a = s:getsockname()
    assert.equal(4, #a)
    assert.equal(a, { "::1", a[2] })          -- missing flowinfo/scope_id compare as 0
    assert.equal("[::1]:" .. a[2], tostring(a))
    local r = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    r:bind({ "::1", "0", 0, 0 })
    assert.equal("::1", r:getsockname()[1])
    r:close()
    local m = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    m:setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 0)
    m:bind({ "127.0.0.1", "0" })
    assert.equal("::ffff:127.0.0.1", m:getsockname()[1])
    m:close()
    local v6only = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    v6only:setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 1)
    h.raises("gaierror", v6only.bind, v6only, { "127.0.0.1", "0" })
    v6only:close()
    s:close()
  end))

  it("AF_UNIX: paths, abstract names, autobind, unnamed peers", h.async(function()
    local dir = os.tmpname()
    os.remove(dir)
    local path = dir .. ".sock"
    local l = S.socket(S.AF_UNIX)
    l:bind(path)
    assert.equal(path, l:getsockname())
    l:listen()
    local c = S.socket(S.AF_UNIX)
    c:connect(path)
    local s, addr = l:accept()
    assert.equal("", addr)
    assert.equal(path, c:getpeername())
    s:close(); c:close(); l:close()
    os.remove(path)
    local name = "\0ltrio-spec-" .. tostring(os.time()) .. tostring(math.random(1e6))
    local a = S.socket(S.AF_UNIX)
    a:bind(name)
    assert.equal(name, a:getsockname())
    a:listen()
    local b = S.socket(S.AF_UNIX)
    b:connect(name)
    local x = a:accept()
    x:close(); b:close(); a:close()
    local auto = S.socket(S.AF_UNIX, S.SOCK_DGRAM)
    auto:bind("")
    local got = auto:getsockname()
    assert.equal("\0", got:sub(1, 1))
    assert.is_true(#got > 1)
    auto:close()
  end))

  it("AF_NETLINK addresses are {pid, groups}", h.async(function()
    local ok, s = pcall(S.socket, S.AF_NETLINK, S.SOCK_RAW, 0)
    h.skip_unless(ok, "AF_NETLINK refused by this kernel")
    local ok2 = pcall(s.bind, s, { 0, 0 })
    if not ok2 then s:close(); h.pending("netlink bind refused") end
    local a = s:getsockname()
    assert.is_number(a[1])
    assert.equal(0, a[2])
    h.raises("ValueError", s.bind, s, { 0 })
    h.raises("TypeError", s.bind, s, "x")
    s:close()
  end))

  it("AF_PACKET addresses are {ifname, proto, pkttype, hatype, addr}", h.async(function()
    local ok, p = pcall(S.socket, S.AF_PACKET, S.SOCK_DGRAM, 0)
    h.skip_unless(ok, "AF_PACKET needs CAP_NET_RAW")
    local ETH_P_IP, ARPHRD_LOOPBACK = 0x0800, 772
    p:bind({ "lo", ETH_P_IP })
    local a = p:getsockname()
    assert.equal("lo", a[1])
    assert.equal(ETH_P_IP, a[2])
    -- a datagram sent over loopback passes lo as an IP packet, seen by the packet socket
    local u <close> = S.socket(S.AF_INET, S.SOCK_DGRAM)
    u:bind({ "127.0.0.1", 0 })
    local marker = "ltrio-af-packet-" .. tostring(u:getsockname()[2])
    u:sendto(marker, u:getsockname())
    local from = trio.fail_after(5, function()
      while true do
        local data, src = p:recvfrom(65536)
        if data:find(marker, 1, true) then return src end
      end
    end)
    assert.equal("lo", from[1])
    assert.equal(ETH_P_IP, from[2])
    assert.is_number(from[3])
    assert.equal(ARPHRD_LOOPBACK, from[4])
    assert.is_string(from[5])
    assert.equal(marker, u:recv(100))
    h.raises("ValueError", p.bind, p, { "lo" })
    h.raises("TypeError", p.bind, p, "lo")
    h.raises("ValueError", p.bind, p, { "lo", ETH_P_IP, 0, 0, string.rep("x", 9) })
    local e = h.raises("OSError", p.bind, p, { "no-such-if0", ETH_P_IP })
    assert.equal(trio.errno.ENODEV, e.errno)
    -- out-of-range numbers and a NUL in the name are refused, not wrapped or cut
    for _, bad in ipairs { { "lo", 0x10003 }, { "lo", -1 }, { "lo", ETH_P_IP, 256 }, { "lo", ETH_P_IP, 0, 1 << 16 },
                           { "lo\0garbage", ETH_P_IP } } do
      h.errmatch(h.raises("ValueError", p.bind, p, bad), "ValueError", "^socket:bind: bad argument #1 'address' %(")
    end
    assert.equal(ETH_P_IP, p:getsockname()[2])
    p:close()
  end))

  it("returned addresses compare by value and work as table keys through tostring", h.async(function()
    local a = S.socket(S.AF_INET, S.SOCK_DGRAM)
    a:bind({ "127.0.0.1", 0 })
    local x, y = a:getsockname(), a:getsockname()
    assert.is_true(x == y)
    assert.is_true(x == { "127.0.0.1", x[2] })
    assert.is_false(x == { "127.0.0.1", x[2] + 1 })
    local t = { [tostring(x)] = 1 }
    assert.equal(1, t[tostring(y)])
    a:close()
  end))
end)
