-- trio.open_tcp_stream: happy eyeballs order and timing (API.md §6; TRIO-SEMANTICS
-- §4.3, §5 items 106, 112-115), checked as Trio's test_open_tcp_stream.py checks them:
-- a scenario is both the custom hostname resolver and the custom socket factory; its
-- fake sockets connect after a scripted delay with a scripted result, under a MockClock
-- that jumps, so no test waits in real time.
local h = require "spec.helper"
local trio = require "ltrio"
local socket = trio.socket

local function near(a, b) return math.abs(a - b) < 1e-9 end

local function assert_time(expected)
  local now = trio.current_time()
  assert(near(now, expected), "current_time() is " .. now .. ", expected " .. expected)
end

local function assert_times(expected, got)
  for ip, t in pairs(expected) do
    assert(got[ip] ~= nil, "no connect attempt to " .. ip)
    assert(near(got[ip], t), "connect to " .. ip .. " started at " .. got[ip] .. ", expected " .. t)
  end
  for ip in pairs(got) do
    assert(expected[ip] ~= nil, "unexpected connect attempt to " .. ip)
  end
end

-- ---------------------------------------------------------------------------
-- The fake network.

local FakeSocket = setmetatable({}, {__index = socket.SocketType})
FakeSocket.__index = FakeSocket

function FakeSocket:connect(sockaddr)
  local scenario = self.scenario
  self.ip, self.port = sockaddr[1], sockaddr[2]
  assert(scenario.sockets[self.ip] == nil, "two connects to " .. self.ip)
  scenario.sockets[self.ip] = self
  scenario.connect_times[self.ip] = trio.current_time()
  scenario.connect_order[#scenario.connect_order + 1] = self.ip
  local script = scenario.ip_dict[self.ip]
  trio.sleep(script.delay)
  if script.result == "error" then error(trio.OSError("sorry"), 0) end
  if script.result == "postconnect_fail" then self.failing = true end
  self.succeeded = true
end

function FakeSocket:close() self.closed = true end

-- SocketStream sets options on the winner and ignores OSError; anything else
-- propagates (so a socket that "fails after connect" raises a non-OSError here).
function FakeSocket:setsockopt()
  if self.failing then error(trio.RuntimeError("fake failure after connect"), 0) end
end

function FakeSocket:getsockopt() return 0 end
function FakeSocket:fileno() return -1 end

local Scenario = {}
Scenario.__index = Scenario

-- ip_list: array of {ip, delay, result}; result "success", "error" or "postconnect_fail".
local function new_scenario(port, ip_list, families)
  local s = setmetatable({port = port, ip_list = ip_list, ip_dict = {}, sockets = {},
    connect_times = {}, connect_order = {}, socket_count = 0, families = families,
    made = {}}, Scenario)
  for _, e in ipairs(ip_list) do
    assert(s.ip_dict[e[1]] == nil, "duplicate ip in scenario")
    s.ip_dict[e[1]] = {delay = e[2], result = e[3]}
  end
  return s
end

function Scenario:socket(family, type, proto)
  if not self.families[family] then
    error(trio.OSError("pretending not to support this family"), 0)
  end
  self.socket_count = self.socket_count + 1
  local sock = setmetatable({scenario = self, family = family, type = type, proto = proto,
    closed = false, succeeded = false}, FakeSocket)
  self.made[#self.made + 1] = sock
  return sock
end

function Scenario:getaddrinfo(host, port, family, type, proto, flags)
  assert.are.equal("test.example.com", host)
  assert.are.equal(self.port, port)
  assert.are.equal(0, family or 0)
  assert.are.equal(socket.SOCK_STREAM, type)
  assert.are.equal(0, proto or 0)
  assert.are.equal(0, flags or 0)
  local entries = {}
  for _, e in ipairs(self.ip_list) do
    local ip = e[1]
    local fam, addr
    if ip:find(":", 1, true) then
      fam, addr = socket.AF_INET6, {ip, port, 0, 0}
    else
      fam, addr = socket.AF_INET, {ip, port}
    end
    entries[#entries + 1] = {family = fam, type = type, proto = 6, canonname = "", sockaddr = addr,
      fam, type, 6, "", addr}
  end
  return entries
end

function Scenario:getnameinfo() error("not used") end

-- Every socket but the winner is closed; the winner is not.
function Scenario:check(winner)
  for _, sock in ipairs(self.made) do
    if sock == winner then
      assert.is_false(sock.closed, "the winning socket was closed")
    else
      assert.is_true(sock.closed, "socket for " .. tostring(sock.ip) .. " left open")
    end
  end
end

-- Runs open_tcp_stream("test.example.com", port, opts) against the scenario; returns
-- the winning fake socket, or the error when 'expect_error' (a class name) is given.
local function run_scenario(port, ip_list, opts, expect_error, families)
  families = families or {[socket.AF_INET] = true, [socket.AF_INET6] = true}
  local scenario = new_scenario(port, ip_list, families)
  socket.set_custom_hostname_resolver(scenario)
  socket.set_custom_socket_factory(scenario)
  local ok, res = pcall(trio.open_tcp_stream, "test.example.com", port, opts)
  if expect_error then
    assert.is_false(ok, "open_tcp_stream succeeded; expected " .. expect_error)
    h.errmatch(res, expect_error)
    scenario:check(nil)
    return res, scenario
  end
  if not ok then error(res, 0) end
  scenario:check(res.socket)
  return res.socket, scenario
end

describe("trio.open_tcp_stream happy eyeballs", function()
  it("returns a stream whose socket is the factory's object (one quick success)", h.async_mock(function()
    local sock, scenario = run_scenario(80, {{"1.2.3.4", 0.123, "success"}})
    assert.are.equal("1.2.3.4", sock.ip)
    assert.are.equal(80, sock.port)
    assert.are.equal(1, scenario.socket_count)
    assert_time(0.123)
  end))

  it("waits for one slow success", h.async_mock(function()
    local sock = run_scenario(81, {{"1.2.3.4", 100, "success"}})
    assert.are.equal("1.2.3.4", sock.ip)
    assert_time(100)
  end))

  it("raises OSError for one quick failure", h.async_mock(function()
    local err = run_scenario(82, {{"1.2.3.4", 0.123, "error"}}, nil, "OSError")
    assert.is_nil(err.errno)
    assert.are.equal(1, #err.errors)
    assert_time(0.123)
  end))

  it("raises OSError for one slow failure", h.async_mock(function()
    run_scenario(83, {{"1.2.3.4", 100, "error"}}, nil, "OSError")
    assert_time(100)
  end))

  it("lets a non-OSError from the winner's stream setup through, closing every socket", h.async_mock(function()
    run_scenario(84, {{"1.2.3.4", 1, "postconnect_fail"}}, nil, "RuntimeError")
    assert_time(1)
  end))

  it("starts attempts 0.25 s apart; the third wins at 0.7 (targets 1/1/0.2 s)", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 1, "success"}, {"2.2.2.2", 1, "success"}, {"3.3.3.3", 0.2, "success"}})
    assert.are.equal("3.3.3.3", sock.ip)
    assert_time(0.7)
    assert_times({["1.1.1.1"] = 0, ["2.2.2.2"] = 0.25, ["3.3.3.3"] = 0.5}, scenario.connect_times)
  end))

  it("never starts attempt 3 when attempt 2 wins at 0.35", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 1, "success"}, {"2.2.2.2", 0.1, "success"}, {"3.3.3.3", 0.2, "success"}})
    assert.are.equal("2.2.2.2", sock.ip)
    assert_time(0.35)
    assert_times({["1.1.1.1"] = 0, ["2.2.2.2"] = 0.25}, scenario.connect_times)
    assert.are.equal(2, scenario.socket_count)
  end))

  it("uses opts.happy_eyeballs_delay", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 1, "success"}, {"2.2.2.2", 1, "success"}, {"3.3.3.3", 0.2, "success"}},
      {happy_eyeballs_delay = 0.45})
    assert.are.equal("1.1.1.1", sock.ip)
    assert_time(1)
    assert_times({["1.1.1.1"] = 0, ["2.2.2.2"] = 0.45, ["3.3.3.3"] = 0.9}, scenario.connect_times)
  end))

  it("treats happy_eyeballs_delay = nil as 0.25", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 1, "success"}, {"2.2.2.2", 1, "success"}, {"3.3.3.3", 0.2, "success"}},
      {happy_eyeballs_delay = nil})
    assert.are.equal("3.3.3.3", sock.ip)
    assert_time(0.7)
    assert_times({["1.1.1.1"] = 0, ["2.2.2.2"] = 0.25, ["3.3.3.3"] = 0.5}, scenario.connect_times)
  end))

  it("starts the next attempt as soon as one fails (starts 0, .1, .3, .55; win at .8)", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 0.1, "error"}, {"2.2.2.2", 0.2, "error"}, {"3.3.3.3", 10, "success"},
      {"4.4.4.4", 0.25, "success"}})
    assert.are.equal("4.4.4.4", sock.ip)
    assert_time(0.8)
    assert_times({["1.1.1.1"] = 0, ["2.2.2.2"] = 0.1, ["3.3.3.3"] = 0.3, ["4.4.4.4"] = 0.55},
      scenario.connect_times)
  end))

  it("raises one OSError holding every attempt's error, in attempt order, when all fail", h.async_mock(function()
    local err, scenario = run_scenario(80, {
      {"1.1.1.1", 0.1, "error"}, {"2.2.2.2", 0.2, "error"}, {"3.3.3.3", 10, "error"},
      {"4.4.4.4", 0.25, "error"}}, nil, "OSError")
    assert.are.equal("all attempts to connect to test.example.com:80 failed", err.message)
    assert.is_nil(err.errno)
    assert.are.equal(4, #err.errors)
    for _, e in ipairs(err.errors) do assert.is_true(trio.iserror(e, "OSError")) end
    assert_time(10.3)
    assert.are.equal(4, scenario.socket_count)
    assert.are.same({"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"}, scenario.connect_order)
  end))

  it("lets one of several simultaneous successes win and closes the others", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 10, "error"}, {"2.2.2.2", 10, "success"}, {"3.3.3.3", 9, "success"},
      {"4.4.4.4", 8, "success"}, {"5.5.5.5", 0.5, "error"}}, {happy_eyeballs_delay = 1})
    assert.is_truthy(({["2.2.2.2"] = true, ["3.3.3.3"] = true, ["4.4.4.4"] = true})[sock.ip])
    assert_time(11)
    assert_times({["1.1.1.1"] = 0, ["2.2.2.2"] = 1, ["3.3.3.3"] = 2, ["4.4.4.4"] = 3,
      ["5.5.5.5"] = 4}, scenario.connect_times)
  end))

  it("moves the first address of the other family to second place (RFC 6555 §5.4)", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"1.1.1.1", 10, "error"}, {"1.1.1.2", 10, "error"}, {"::3", 0.5, "success"}},
      {happy_eyeballs_delay = 1})
    assert.are.equal("::3", sock.ip)
    assert_time(1.5)
    assert.are.same({"1.1.1.1", "::3"}, scenario.connect_order)
  end))

  it("keeps resolver order within a family after the reorder", h.async_mock(function()
    local _, scenario = run_scenario(80, {
      {"::1", 0.1, "error"}, {"::2", 0.1, "error"}, {"1.1.1.1", 0.1, "error"},
      {"::4", 0.1, "error"}, {"1.1.1.5", 0.1, "error"}}, nil, "OSError")
    assert.are.same({"::1", "1.1.1.1", "::2", "::4", "1.1.1.5"}, scenario.connect_order)
  end))

  it("starts the next attempt at once when socket creation fails (no IPv4)", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"::1", 10, "success"}, {"2.2.2.2", 0, "success"}, {"::3", 0.1, "success"},
      {"4.4.4.4", 0, "success"}}, {happy_eyeballs_delay = 1}, nil, {[socket.AF_INET6] = true})
    assert.are.equal("::3", sock.ip)
    assert_time(1.1)
    assert_times({["::1"] = 0, ["::3"] = 1}, scenario.connect_times)
  end))

  it("uses the first family that can make sockets (no IPv6)", h.async_mock(function()
    local sock = run_scenario(80, {
      {"::1", 10, "success"}, {"2.2.2.2", 0, "success"}, {"::3", 0.1, "success"},
      {"4.4.4.4", 0, "success"}}, {happy_eyeballs_delay = 1}, nil, {[socket.AF_INET] = true})
    assert.are.equal("2.2.2.2", sock.ip)
    assert_time(0)
  end))

  it("raises 'no results found for hostname lookup' when the resolver returns nothing", h.async_mock(function()
    local err = run_scenario(80, {}, nil, "OSError")
    assert.are.equal("no results found for hostname lookup: test.example.com:80", err.message)
    assert_time(0)
  end))

  it("closes every socket when an outer scope is cancelled (caught at t=5)", h.async_mock(function()
    local scenario = new_scenario(80, {
      {"1.1.1.1", 10, "success"}, {"2.2.2.2", 10, "success"}, {"3.3.3.3", 10, "success"},
      {"4.4.4.4", 10, "success"}}, {[socket.AF_INET] = true})
    socket.set_custom_hostname_resolver(scenario)
    socket.set_custom_socket_factory(scenario)
    local cs = trio.move_on_after(5, trio.open_tcp_stream, "test.example.com", 80)
    assert.is_true(cs.cancelled_caught)
    assert_time(5)
    assert.are.equal(4, scenario.socket_count)
    scenario:check(nil)
  end))

  it("closes the losers of a race when the resolver gives IPv6 literals too", h.async_mock(function()
    local sock, scenario = run_scenario(80, {
      {"::1", 0.3, "success"}, {"1.1.1.1", 0.1, "success"}}, {happy_eyeballs_delay = 0.25})
    -- ::1 starts at 0 and wins at 0.3; 1.1.1.1 starts at 0.25, would win at 0.35
    assert.are.equal("::1", sock.ip)
    assert_time(0.3)
    scenario:check(sock)
  end))
end)

describe("trio.open_tcp_stream arguments", function()
  it("raises ValueError for a host that is not a string", h.async(function()
    local err = h.raises("ValueError", trio.open_tcp_stream, nil, 80)
    assert.matches("trio.open_tcp_stream: bad argument #1 'host'", err.message, 1, true)
  end))

  it("raises TypeError for a port that is not an integer", h.async(function()
    local err = h.raises("TypeError", trio.open_tcp_stream, "127.0.0.1", "80")
    assert.matches("bad argument #2 'port'", err.message, 1, true)
    h.raises("TypeError", trio.open_tcp_stream, "127.0.0.1", 80.5)
    h.raises("TypeError", trio.open_tcp_stream, "127.0.0.1", nil)
  end))

  it("raises TypeError for an unknown option", h.async(function()
    local err = h.raises("TypeError", trio.open_tcp_stream, "127.0.0.1", 80, {happy_eyeballs = 1})
    assert.are.equal("trio.open_tcp_stream: bad argument #3 'opts' (unknown option 'happy_eyeballs')", err.message)
  end))

  it("reports a refused port as 'all attempts to connect to 127.0.0.1:PORT failed'", h.async(function()
    -- a port nobody listens on: bind one, read its number, close it
    local s = socket.socket()
    s:bind({"127.0.0.1", 0})
    local port = s:getsockname()[2]
    s:close()
    local err = h.raises("OSError", trio.open_tcp_stream, "127.0.0.1", port)
    assert.are.equal("all attempts to connect to 127.0.0.1:" .. port .. " failed", err.message)
    assert.is_nil(err.errno)
    assert.are.equal(1, #err.errors)
    assert.are.equal(trio.errno.ECONNREFUSED, err.errors[1].errno)
  end))

  it("counts a local_address of the wrong family as that attempt's error", h.async(function()
    h.skip_unless(h.ipv6, "IPv6 unavailable")
    local err = h.raises("OSError", trio.open_tcp_stream, "127.0.0.1", 9, {local_address = "::1"})
    assert.are.equal(1, #err.errors)
    assert.matches("local_address=\"::1\" is incompatible with remote address 127.0.0.1:9",
      err.errors[1].message, 1, true)
    assert.is_nil(err.errors[1].errno)  -- the failed lookup's EAI code is no errno (Trio: None)
    assert.is_true(trio.iserror(err.errors[1].cause, "gaierror"))
  end))

  it("binds to opts.local_address", h.async(function()
    local listeners = trio.open_tcp_listeners(0, {host = "127.0.0.1"})
    local l = listeners[1]
    local port = l.socket:getsockname()[2]
    local stream = trio.open_tcp_stream("127.0.0.1", port, {local_address = "127.0.0.1"})
    assert.are.equal("127.0.0.1", stream.socket:getsockname()[1])
    local server = l:accept()
    server:close()
    stream:close()
    l:close()
  end))
end)
