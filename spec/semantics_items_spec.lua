-- TRIO-SEMANTICS §5: the items that no other spec asserts (or asserts only weakly),
-- one `it` per item, named by its number. The other items are asserted by the spec files
-- whose headers name them; where API.md differs from Trio, API.md wins.
local h = require "spec.helper"
local trio = h.trio
local S = trio.socket

-- Linux's IPV6_FLOWINFO_SEND (not exported): with it set, getpeername of a connected
-- IPv6 socket reports the flowinfo the connect used, which makes flowinfo observable.
local IPV6_FLOWINFO_SEND = S.IPV6_FLOWINFO_SEND or 33

describe("TRIO-SEMANTICS §5 items not asserted elsewhere", function()
  it("item 14: the socket factory belongs to one run; each setter returns the previous hook", function()
    local factory = { socket = function(_, f, t, p) return S.socket(f, t, p) end }
    local resolver = { getaddrinfo = function() error("unused") end }
    h.checked(trio.run, function()
      assert.is_nil(S.set_custom_socket_factory(factory))
      assert.are.equal(factory, S.set_custom_socket_factory(factory))
      assert.is_nil(S.set_custom_hostname_resolver(resolver))
      assert.are.equal(resolver, S.set_custom_hostname_resolver(resolver))
      -- left set when the run ends
    end)
    h.checked(trio.run, function()
      -- a new run starts with no hooks: sockets are real again
      local s <close> = S.socket()
      assert.are.equal("userdata", type(s))
      assert.is_nil(S.set_custom_socket_factory(nil))
      assert.is_nil(S.set_custom_hostname_resolver(nil))
    end)
  end)

  it("item 25: a numeric IPv6 2-table with an integer port never reaches the resolver", h.async(function()
    h.skip_unless(h.ipv6, "IPv6 loopback (::1) unavailable")
    local calls = 0
    S.set_custom_hostname_resolver({ getaddrinfo = function() calls = calls + 1; error("unused") end })
    local r <close> = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    r:bind({ "::1", 0 })
    local s <close> = S.socket(S.AF_INET6, S.SOCK_DGRAM)
    s:connect({ "::1", r:getsockname()[2] })
    assert.are.equal(2, s:sendto("v6", { "::1", r:getsockname()[2] }))
    assert.are.equal(0, calls)
    S.set_custom_hostname_resolver(nil)
    assert.are.equal("v6", r:recv(10))
  end))

  it("item 26: an IPv6 caller's flowinfo overrides getaddrinfo's (slow and fast path), else getaddrinfo's stays",
    h.async(function()
      h.skip_unless(h.ipv6, "IPv6 loopback (::1) unavailable")
      local function peer(addr)
        local s <close> = S.socket(S.AF_INET6, S.SOCK_DGRAM)
        s:setsockopt(S.IPPROTO_IPV6, IPV6_FLOWINFO_SEND, 1)
        s:connect(addr)
        return s:getpeername()
      end
      -- the kernel reports the flowinfo only with IPV6_FLOWINFO_SEND: check that first
      local direct = peer({ "::1", 9, 0x12345, 0 })   -- fast path: the table as given
      h.skip_unless(direct[3] == 0x12345, "this kernel does not report flowinfo in getpeername")
      -- ("1::2","80",1,2) -> ("1::2",80,1,2); ("1::2","80",1) -> ("1::2",80,1,0)
      local got = peer({ "::1", "9", 0x12345 })       -- string port: through getaddrinfo
      assert.are.same({ "::1", 9, 0x12345, 0 }, { got[1], got[2], got[3], got[4] })
      got = peer({ "::1", "9", 0x54321, 0 })
      assert.are.same({ "::1", 9, 0x54321, 0 }, { got[1], got[2], got[3], got[4] })
      -- a resolver's flowinfo stays when the caller gives none, and is overwritten when it does
      S.set_custom_hostname_resolver({ getaddrinfo = function(_, host, port, family, type_, proto)
        return { { S.AF_INET6, type_, proto, "", { "::1", 9, 0x777, 0 } } }
      end })
      got = peer({ "v6.example", 9 })
      local kept = got[3]
      got = peer({ "v6.example", 9, 0x888 })
      local replaced = got[3]
      S.set_custom_hostname_resolver(nil)
      assert.are.equal(0x777, kept)
      assert.are.equal(0x888, replaced)
    end))

  it("item 34: close() wakes a blocked sender and a blocked receiver with \"another task closed this fd\"",
    h.async(function()
      local a, b = S.socketpair()
      local chunk = string.rep("x", 65536)
      while not h.blocks(a.send, a, chunk) do end   -- a's send buffer is full
      local errs = {}
      trio.open_nursery(function(n)
        n:start_soon(function() errs.send = h.raises("ClosedResourceError", a.send, a, chunk) end)
        n:start_soon(function() errs.recv = h.raises("ClosedResourceError", a.recv, a, 1) end)
        trio.testing.wait_all_tasks_blocked()
        local io = trio.lowlevel.current_statistics().io_statistics
        assert.are.same({ 1, 1 }, { io.tasks_waiting_read, io.tasks_waiting_write })
        a:close()
      end)
      b:close()
      assert.matches("another task closed this fd", errs.send.message, 1, true)
      assert.matches("another task closed this fd", errs.recv.message, 1, true)
    end))

  it("item 46: bind in a cancelled scope raises Cancelled before binding; a fast bind checkpoints", h.async(function()
    local s <close> = S.socket()
    local cs = trio.CancelScope()
    cs:run(function()
      cs:cancel()
      h.raises("Cancelled", s.bind, s, { "127.0.0.1", 0 })
    end)
    assert.is_false(cs.cancelled_caught)       -- raised and swallowed by h.raises
    assert.are.equal(0, s:getsockname()[2])    -- still unbound
    assert.is_true(h.yields(s.bind, s, { "127.0.0.1", 0 }))
    assert.is_true(s:getsockname()[2] > 0)
  end))

  it("item 47: socket(fileno=v6 dgram fd) and fromfd(fd, AF_INET, SOCK_STREAM) report AF_INET6/SOCK_DGRAM",
    h.async(function()
      local ok, u = pcall(S.socket, S.AF_INET6, S.SOCK_DGRAM)
      h.skip_unless(ok, "no AF_INET6 sockets here")
      local f <close> = S.fromfd(u:fileno(), S.AF_INET, S.SOCK_STREAM)
      assert.are_not.equal(u:fileno(), f:fileno())
      assert.are.same({ S.AF_INET6, S.SOCK_DGRAM }, { f.family, f.type })
      local fd = u:detach()
      local adopted <close> = S.socket(S.AF_INET, S.SOCK_STREAM, 0, fd)
      assert.are.same({ S.AF_INET6, S.SOCK_DGRAM, S.IPPROTO_UDP },
        { adopted.family, adopted.type, adopted.proto })
    end))

  it("item 55: checkpoint_if_cancelled neither yields nor raises when not cancelled; cancel_shielded_checkpoint never raises",
    h.async(function()
      assert.is_false(h.yields(trio.checkpoint_if_cancelled))
      assert.are.equal(0, select("#", trio.checkpoint_if_cancelled()))
      local cs = trio.CancelScope()
      local after = false
      cs:run(function()
        cs:cancel()
        for _ = 1, 3 do
          assert.is_true(h.yields(trio.lowlevel.cancel_shielded_checkpoint))
        end
        after = true
      end)
      assert.is_true(after)
      assert.is_true(cs.cancel_called)
      assert.is_false(cs.cancelled_caught)
    end))

  it("item 75: start_soon returns nothing; children run only at the parent's first yield; the nursery waits for them",
    h.async_mock(function()
      local ran, done = 0, 0
      trio.open_nursery(function(nursery)
        for i = 1, 3 do
          local r = table.pack(nursery:start_soon(function()
            ran = ran + 1
            trio.sleep(i)
            done = done + 1
          end))
          assert.are.equal(0, r.n)
        end
        assert.are.equal(0, ran)
        trio.sleep(0)
        assert.are.equal(3, ran)
      end)
      assert.are.equal(3, done)
      assert.are.equal(3, trio.current_time())
    end))

  it("item 93: Event has no clear(); set() twice wakes all three waiters; wait() on a set Event checkpoints",
    h.async(function()
      local ev = trio.Event()
      local ok, clear = pcall(function() return ev.clear end)
      assert.is_true(not ok or clear == nil, "Event has a clear")
      local woke = 0
      trio.open_nursery(function(n)
        for _ = 1, 3 do n:start_soon(function() ev:wait(); woke = woke + 1 end) end
        trio.testing.wait_all_tasks_blocked()
        ev:set()
        ev:set()
      end)
      assert.are.equal(3, woke)
      assert.is_true(h.yields(ev.wait, ev))
    end))

  it("item 97: SocketStream of a LuaSocket object (the stdlib socket stand-in) is TypeError", h.async(function()
    local okls, ls = pcall(require, "socket")
    h.skip_unless(okls, "LuaSocket not installed")
    local t = ls.tcp()
    local ok, e = pcall(trio.SocketStream, t)
    t:close()
    assert.is_false(ok)
    h.errmatch(e, "TypeError")
  end))
end)
