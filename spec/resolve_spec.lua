-- spec/resolve_spec.lua - getaddrinfo / getnameinfo / getprotobyname, IDNA 2008, and
-- the per-run custom resolver and socket factory hooks. No DNS beyond "localhost".
local h = require "spec.helper"
local trio = h.trio
local S = trio.socket

-- A resolver that records what it is asked and answers 127.0.0.1.
local function recorder()
  local r = { calls = {} }
  function r:getaddrinfo(host, port, family, type_, proto, flags)
    self.calls[#self.calls + 1] = { host, port, family, type_, proto, flags }
    return { { family = S.AF_INET, type = S.SOCK_STREAM, proto = S.IPPROTO_TCP,
               canonname = "", sockaddr = { "127.0.0.1", tonumber(port) or 80 } } }
  end
  function r:getnameinfo(sockaddr, flags)
    self.calls[#self.calls + 1] = { "nameinfo", sockaddr, flags }
    return "fake.example", "svc"
  end
  return r
end

local function wait_lookups_done()
  for _ = 1, 1000 do
    if trio.lowlevel.engine_statistics().lookups_pending == 0 then return end
    trio.sleep(0.01)
  end
  error("a lookup is still pending after 10 s")
end

describe("trio.socket.getaddrinfo", function()
  it("resolves numeric hosts exactly as Trio, and checkpoints", h.async(function()
    local res = S.getaddrinfo("127.0.0.1", "12345", 0, S.SOCK_STREAM)
    assert.equal(1, #res)
    local e = res[1]
    assert.equal(S.AF_INET, e[1])
    assert.equal(S.SOCK_STREAM, e[2])
    assert.equal(S.IPPROTO_TCP, e[3])
    assert.equal("", e[4])
    assert.equal(e[5], { "127.0.0.1", 12345 })
    assert.equal(e.family, e[1])
    assert.equal(e.sockaddr, e[5])
    assert.equal("127.0.0.1:12345", tostring(e.sockaddr))
    assert.is_true(h.yields(S.getaddrinfo, "127.0.0.1", 80))
    local v6 = S.getaddrinfo("::1", 12345, 0, S.SOCK_DGRAM)[1][5]
    assert.equal(v6, { "::1", 12345, 0, 0 })
    assert.equal(4, #v6)
  end))

  it("raises gaierror EAI_SOCKTYPE for a bad type, after a checkpoint", h.async(function()
    local e = h.raises("gaierror", S.getaddrinfo, "::1", "12345", 0, -1)
    assert.equal(S.EAI_SOCKTYPE, e.errno)
    assert.is_true(trio.iserror(e, "OSError"))
    assert.is_true(h.yields(pcall, S.getaddrinfo, "::1", "12345", 0, -1))
  end))

  it("raises Cancelled in a cancelled scope, even for numeric hosts", h.async(function()
    local cs = trio.move_on_after(0, function() S.getaddrinfo("127.0.0.1", 80) end)
    assert.is_true(cs.cancelled_caught)
  end))

  it("resolves localhost and service names on the thread pool", h.async(function()
    local res = S.getaddrinfo("localhost", 80)
    assert.is_true(#res >= 1)
    local seen = false
    for _, e in ipairs(res) do
      if e.family == S.AF_INET then
        assert.equal(e.sockaddr, { "127.0.0.1", 80 })
        seen = true
      end
    end
    assert.is_true(seen)
    res = S.getaddrinfo("127.0.0.1", "http", S.AF_INET, S.SOCK_STREAM)
    assert.equal(res[1][5], { "127.0.0.1", 80 })
    res = S.getaddrinfo(nil, 80, S.AF_INET, S.SOCK_STREAM, 0, S.AI_PASSIVE)
    assert.equal(res[1][5], { "0.0.0.0", 80 })
    res = S.getaddrinfo(nil, 80, S.AF_INET, S.SOCK_STREAM)
    assert.equal(res[1][5], { "127.0.0.1", 80 })
  end))

  it("an empty host name, or neither host nor port, is EAI_NONAME, as glibc says", h.async(function()
    local e = h.raises("gaierror", S.getaddrinfo, "", 80, 0, S.SOCK_STREAM)
    assert.equal(S.EAI_NONAME, e.errno)
    e = h.raises("gaierror", S.getaddrinfo, nil, nil)
    assert.equal(S.EAI_NONAME, e.errno)
  end))

  it("fails a lookup only after a schedule point, and a cancelled one with Cancelled", h.async(function()
    local failing = {
      function() S.getaddrinfo("", 80) end,
      function() S.getaddrinfo(nil, nil) end,
      function() S.getnameinfo({"localhost", 80}, 0) end,
      function() S.getprotobyname(string.rep("x", 5000)) end,
    }
    for i, call in ipairs(failing) do
      assert(h.yields(h.raises, i == 4 and "OSError" or "gaierror", call),
        "call " .. i .. " failed without a schedule point")
      local cs = trio.CancelScope()
      cs:cancel()
      cs:run(function() h.raises("Cancelled", call) end)
    end
  end))

  it("AI_NUMERICHOST with a name is a gaierror", h.async(function()
    local e = h.raises("gaierror", S.getaddrinfo, "localhost", 80, 0, 0, 0, S.AI_NUMERICHOST)
    assert.equal(S.EAI_NONAME, e.errno)
    assert.is_string(e.strerror)
    assert.matches("^%[Errno %-?%d+%] ", e.message)
  end))

  it("abandons a cancelled lookup and leaves nothing behind", h.async(function()
    local cs = trio.CancelScope()
    trio.open_nursery(function(n)
      n:start_soon(function()
        cs:run(function() S.getaddrinfo("localhost", 80) end)
      end)
      n:start_soon(function() cs:cancel() end)
    end)
    assert.is_true(cs.cancelled_caught)
    wait_lookups_done()
  end))

  it("a lookup abandoned as the run ends is freed once its thread finishes", function()
    local before = trio.lowlevel.engine_statistics().lookups_pending
    trio.run(function()
      trio.open_nursery(function(n)
        for _ = 1, 20 do n:start_soon(S.getaddrinfo, "localhost", 80) end
        trio.sleep(0)  -- each task has started its lookup
        n.cancel_scope:cancel()
      end)
    end)
    local pending
    for _ = 1, 1000 do
      pending = trio.lowlevel.engine_statistics().lookups_pending
      if pending == before then break end
      os.execute("sleep 0.01")
    end
    assert.are.equal(before, pending)
  end)

  it("rejects bad arguments", h.async(function()
    h.raises("TypeError", S.getaddrinfo, {}, 80)
    h.raises("TypeError", S.getaddrinfo, "127.0.0.1", {})
    h.raises("TypeError", S.getaddrinfo, "127.0.0.1", 80, "x")
    h.raises("ValueError", S.getaddrinfo, "a\xff", 80)
  end))

  it("names the argument in API.md §2's format for a NUL byte or a name IDNA cannot encode", h.async(function()
    local function message(fn, ...) return h.raises("ValueError", fn, ...).message end
    assert.equal('trio.socket.getaddrinfo: bad argument #1 \'host\' (string without a NUL byte expected, ' ..
      'got string "local\\0host")', message(S.getaddrinfo, "local\0host", 80))
    assert.equal('trio.socket.getaddrinfo: bad argument #2 \'port\' (string without a NUL byte expected, ' ..
      'got string "80\\0")', message(S.getaddrinfo, "localhost", "80\0"))
    -- a byte outside valid UTF-8 is shown escaped; a UTF-8 character as it is
    assert.equal('trio.socket.getaddrinfo: bad argument #1 \'host\' (host name that IDNA 2008 can encode ' ..
      'expected, got string "a\\255.de")', message(S.getaddrinfo, "a\xff.de", 80))
    assert.equal('trio.socket.getaddrinfo: bad argument #1 \'host\' (host name that IDNA 2008 can encode ' ..
      'expected, got string "\\194ß\\237\\160\\128")', message(S.getaddrinfo, "\xc2ß\xed\xa0\x80", 80))
    assert.equal('trio.socket.getprotobyname: bad argument #1 \'name\' (string without a NUL byte expected, ' ..
      'got string "tcp\\0x")', message(S.getprotobyname, "tcp\0x"))
    assert.equal('trio.socket.if_nametoindex: bad argument #1 \'name\' (string without a NUL byte expected, ' ..
      'got string "lo\\0x")', message(S.if_nametoindex, "lo\0x"))
    assert.equal('trio.socket.inet_aton: bad argument #1 \'string\' (string without a NUL byte expected, ' ..
      'got string "1.2.3.4\\0x")', message(S.inet_aton, "1.2.3.4\0x"))
    assert.equal('trio.socket.inet_pton: bad argument #2 \'ip_string\' (string without a NUL byte expected, ' ..
      'got string "::1\\0x")', message(S.inet_pton, S.AF_INET6, "::1\0x"))
  end))

  it("a host in a socket method's address that IDNA cannot encode names the method", h.async(function()
    local function message(fn, ...) return h.raises("ValueError", fn, ...).message end
    local d <close> = S.socket(S.AF_INET, S.SOCK_DGRAM)
    local what = "'address' (host name that IDNA 2008 can encode expected, got string \"a\\255.de\")"
    assert.equal("socket:connect: bad argument #1 " .. what, message(d.connect, d, { "a\xff.de", 80 }))
    assert.equal("socket:bind: bad argument #1 " .. what, message(d.bind, d, { "a\xff.de", 80 }))
    assert.equal("socket:sendto: bad argument #2 " .. what, message(d.sendto, d, "x", { "a\xff.de", 80 }))
    assert.equal("socket:sendto: bad argument #3 " .. what, message(d.sendto, d, "x", 0, { "a\xff.de", 80 }))
    assert.equal("socket:sendmsg: bad argument #4 " .. what,
      message(d.sendmsg, d, { "x" }, {}, 0, { "a\xff.de", "80" }))
    assert.is_true(d:fileno() >= 0)
  end))
end)

describe("custom hostname resolver", function()
  it("receives IDNA 2008 names, flags and ports unchanged; numeric hosts never reach it", h.async(function()
    local r = recorder()
    assert.is_nil(S.set_custom_hostname_resolver(r))
    S.getaddrinfo("localhost", "foo")
    assert.same({ "localhost", "foo", 0, 0, 0, 0 }, r.calls[1])
    S.getaddrinfo("straße.de", 80)
    assert.equal("xn--strae-oqa.de", r.calls[2][1])
    S.getaddrinfo("föö", 80)
    assert.equal("xn--f-1gaa", r.calls[3][1])
    S.getaddrinfo("faß.de", 80)
    assert.equal("xn--fa-hia.de", r.calls[4][1])
    S.getaddrinfo("FÖÖ", 80, 0, 0, 0, S.AI_CANONNAME)
    assert.same({ "xn--f-1gaa", 80, 0, 0, 0, S.AI_CANONNAME }, r.calls[5])
    local n = #r.calls
    S.getaddrinfo("127.0.0.1", 80)
    S.getaddrinfo("::1", "80")
    assert.equal(n, #r.calls)
    -- socket methods resolve names through it too
    local l = S.socket()
    l:bind({ "127.0.0.1", 0 })
    l:listen()
    local c = S.socket()
    c:connect({ "some.name", l:getsockname()[2] })
    assert.equal("some.name", r.calls[#r.calls][1])
    local s = l:accept()
    s:close(); c:close(); l:close()
    assert.equal("fake.example", (S.getnameinfo({ "127.0.0.1", 80 }, 0)))
    assert.equal(r, S.set_custom_hostname_resolver(nil))
  end))

  it("completes entries given only by position", h.async(function()
    S.set_custom_hostname_resolver({
      getaddrinfo = function() return { { S.AF_INET, S.SOCK_STREAM, 6, "", { "127.0.0.1", 1 } } } end,
    })
    local res = S.getaddrinfo("x.y", 1)
    assert.equal(S.AF_INET, res[1].family)
    assert.equal(res[1][5], res[1].sockaddr)
  end))

  it("gives a resolver's sockaddrs back as address objects, as the system resolver's", h.async(function()
    local v6 = { S.AF_INET6, S.SOCK_STREAM, 6, "", { "::1", 8080.0 } }
    local named = { family = S.AF_INET, type = S.SOCK_STREAM, proto = 6, canonname = "",
                    sockaddr = { "127.0.0.2", 81 } }
    local unix = { S.AF_UNIX, S.SOCK_STREAM, 0, "", "/tmp/x.sock" }
    S.set_custom_hostname_resolver({ getaddrinfo = function()
      return { { S.AF_INET, S.SOCK_STREAM, 6, "", { "127.0.0.1", 80 } }, v6, named, unix }
    end })
    local res = S.getaddrinfo("example.org", 80)
    S.set_custom_hostname_resolver(nil)
    local sa = res[1].sockaddr
    assert.equal("127.0.0.1:80", tostring(sa))
    assert.is_true(sa == { "127.0.0.1", 80 })
    assert.equal(getmetatable(S.getaddrinfo("127.0.0.1", 80)[1].sockaddr), getmetatable(sa))
    assert.equal(res[1][5], sa)
    assert.equal("[::1]:8080", tostring(res[2][5]))
    assert.equal(math.type(res[2][5][2]), "integer")   -- 8080.0 became an integer
    assert.same({ "::1", 8080, 0, 0 }, { table.unpack(res[2].sockaddr, 1, 4) })
    assert.is_true(res[2].sockaddr == { "::1", 8080, 0, 0 })
    assert.equal("127.0.0.2:81", tostring(res[3][5]))
    assert.equal(res[3][5], res[3].sockaddr)
    assert.equal("/tmp/x.sock", res[4].sockaddr)    -- AF_UNIX addresses are strings
  end))

  it("rejects a resolver's result that is not getaddrinfo's shape, saying what is wrong", h.async(function()
    local cases = {
      { "TypeError", { 5 }, "entry 1 is a number" },
      { "TypeError", { {} }, "entry 1 has a family of type nil" },
      { "TypeError", { { sockaddr = 5 } }, "entry 1 has a family of type nil" },
      { "TypeError", { { S.AF_INET, "x", 6, "", { "127.0.0.1", 1 } } }, "entry 1 has a type of type string" },
      { "TypeError", { { S.AF_INET, 1, 6.5, "", { "127.0.0.1", 1 } } }, "entry 1 has a proto of type number" },
      { "TypeError", { { S.AF_INET, 1, 6, nil, { "127.0.0.1", 1 } } }, "entry 1 has a canonname of type nil" },
      { "TypeError", { { S.AF_INET, 1, 6, "", 5 } }, "entry 1 has a sockaddr of type number" },
      { "TypeError", { { S.AF_INET, 1, 6, "", "127.0.0.1" } }, "entry 1 has a sockaddr of type string" },
      { "ValueError", { { S.AF_INET, 1, 6, "", { "127.0.0.1" } } }, "entry 1 has a sockaddr of length 1" },
      { "ValueError", { { S.AF_INET, 1, 6, "", { "127.0.0.1", 1, 0, 0 } } }, "sockaddr of length 4" },
      { "TypeError", { { S.AF_INET, 1, 6, "", { 127, 1 } } }, "sockaddr host of type number" },
      { "TypeError", { { S.AF_INET, 1, 6, "", { "127.0.0.1", "80" } } }, "sockaddr port of type string" },
      { "ValueError", { { S.AF_INET, 1, 6, "", { "127.0.0.1", 65536 } } }, "port out of range" },
      { "TypeError", { { S.AF_INET6, 1, 6, "", { "::1", 1, "x" } } }, "sockaddr flowinfo of type string" },
      { "TypeError", { { S.AF_INET, 1, 6, "", { "127.0.0.1", 1 } }, 7 }, "entry 2 is a number" },
    }
    for _, c in ipairs(cases) do
      S.set_custom_hostname_resolver({ getaddrinfo = function() return c[2] end })
      local err = h.raises(c[1], S.getaddrinfo, "example.org", 80)
      assert.matches("trio.socket.getaddrinfo: the hostname resolver's entry ", err.message, 1, true)
      assert.matches(c[3], err.message, 1, true)
      -- the callers that used to trip over it see the same error
      err = h.raises(c[1], trio.open_tcp_stream, "example.org", 80)
      assert.matches(c[3], err.message, 1, true)
      local s <close> = S.socket()
      err = h.raises(c[1], s.connect, s, { "example.org", 80 })
      assert.matches(c[3], err.message, 1, true)
    end
    S.set_custom_hostname_resolver(nil)
  end))

  it("belongs to one run", function()
    trio.run(function() S.set_custom_hostname_resolver(recorder()) end)
    trio.run(function() assert.is_nil(S.set_custom_hostname_resolver(nil)) end)
    h.raises("RuntimeError", S.set_custom_hostname_resolver, recorder())
  end)
end)

describe("custom socket factory", function()
  it("is called by socket() without fileno and restored by setting the previous one", h.async(function()
    local calls = {}
    local Fake = setmetatable({}, { __index = S.SocketType })
    Fake.__index = Fake
    function Fake:close() end
    local factory = {}
    function factory:socket(family, type_, proto)
      calls[#calls + 1] = { family, type_, proto }
      return setmetatable({}, Fake)
    end
    assert.is_nil(S.set_custom_socket_factory(factory))
    local s = S.socket()
    assert.same({ S.AF_INET, S.SOCK_STREAM, 0 }, calls[1])
    assert.is_true(S.is_socket(s))
    S.socket(S.AF_INET6, S.SOCK_DGRAM)
    assert.same({ S.AF_INET6, S.SOCK_DGRAM, 0 }, calls[2])
    local a, b = S.socketpair()
    local fd = a:detach()
    local real = S.socket(nil, nil, nil, fd)
    assert.equal(2, #calls)
    assert.equal("userdata", type(real))
    real:close(); b:close()
    assert.equal(factory, S.set_custom_socket_factory(nil))
    local r = S.socket()
    assert.equal("userdata", type(r))
    r:close()
  end))
end)

describe("trio.socket.getnameinfo / getprotobyname", function()
  it("works for numeric addresses; a host name is a gaierror", h.async(function()
    local host, serv = S.getnameinfo({ "127.0.0.1", 1234 }, S.NI_NUMERICHOST | S.NI_NUMERICSERV)
    assert.equal("127.0.0.1", host)
    assert.equal("1234", serv)
    h.raises("gaierror", S.getnameinfo, { "localhost", 80 }, 0)
    h.raises("TypeError", S.getnameinfo, "x", 0)
  end))

  it("takes an IPv6 host with a %scope suffix; a scope_id in the table wins", h.async(function()
    local numeric = S.NI_NUMERICHOST | S.NI_NUMERICSERV
    local lo = "fe80::1%" .. S.if_indextoname(1)  -- the loopback interface
    assert.same({ lo, "80" }, { S.getnameinfo({ lo, 80 }, numeric) })
    assert.same({ "fe80::1%7", "80" }, { S.getnameinfo({ lo, 80, 0, 7 }, numeric) })
    assert.same({ "fe80::1", "80" }, { S.getnameinfo({ "fe80::1%1", 80, 0, 0 }, numeric) })
    h.raises("gaierror", S.getnameinfo, { "fe80::1%nosuchif", 80 }, numeric)
    h.raises("gaierror", S.getnameinfo, { "127.0.0.1%lo", 80 }, numeric)
    h.raises("ValueError", S.getnameinfo, { lo, 70000 }, numeric)
  end))

  it("getprotobyname", h.async(function()
    assert.equal(6, S.getprotobyname("tcp"))
    assert.equal(17, S.getprotobyname("udp"))
    local e = h.raises("OSError", S.getprotobyname, "nosuchproto")
    assert.is_false(trio.iserror(e, "gaierror"))  -- Python: OSError('protocol not found')
    assert.are.equal("protocol not found", e.message)
    h.raises("TypeError", S.getprotobyname, 5)
  end))
end)
