-- The example programs of scripts/ (issue 4), each run as a subprocess of the host
-- binary on 127.0.0.1. Servers are started with port 0 and print the port they got;
-- the spec reads that line (a blocking read of the pipe, not a sleep) before it
-- connects.
local h = require "spec.helper"
local trio = require "ltrio"

local LTRIO = os.getenv("LTRIO_HOST") or h.ltrio_bin
local SCRIPTS = h.root .. "/scripts/"

local function need_host()
  h.skip_unless(h.exists(LTRIO), LTRIO .. " is missing: run make first")
end

-- Runs a script to completion; returns its stdout, its exit code and its stderr.
local function run(script, args, stdin)
  local errfile = os.tmpname()
  local cmd = string.format("%s %s%s %s 2>%s", LTRIO, SCRIPTS, script, args or "", errfile)
  -- 'stdin' is a printf format: "a\\nb\\n" feeds two lines
  if stdin then cmd = string.format("printf '%s' | %s", stdin, cmd) end
  local p = io.popen(cmd, "r")
  local out = p:read("a")
  local _, _, code = p:close()
  local err = h.slurp(errfile)
  os.remove(errfile)
  return out, code, err
end

-- Starts a server script; returns {pid, port, line, stop = function}. The first line
-- the script prints ("NAME: listening on 127.0.0.1:PORT") gives the port.
local function start(script, args)
  local errfile = os.tmpname()
  local p = io.popen(string.format("echo $$; exec %s %s%s %s 2>%s", LTRIO, SCRIPTS, script,
    args or "", errfile), "r")
  local pid = assert(tonumber(p:read("l")), "no pid")
  local line = p:read("l")
  local server = {pid = pid, line = line, errfile = errfile}
  function server.stop()
    os.execute("kill " .. pid .. " 2>/dev/null")
    p:close()
    server.stderr = h.slurp(errfile)
    os.remove(errfile)
  end
  if not line then
    server.stop()
    error(script .. " did not start: " .. server.stderr, 2)
  end
  server.port = assert(tonumber(line:match("listening on 127%.0%.0%.1:(%d+)$")),
    "unexpected first line: " .. line)
  return server
end

-- Receives from 'stream' until 'pattern' matches what has arrived; returns it all.
local function receive_until(stream, pattern)
  local got = ""
  trio.fail_after(10, function()
    while not got:find(pattern) do
      local data = stream:receive_some()
      if data == "" then break end
      got = got .. data
    end
  end)
  return got
end

describe("scripts/echo_server.lua and scripts/echo_client.lua", function()
  it("echo lines given as arguments", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    local out, code, err = run("echo_client.lua", "127.0.0.1 " .. server.port .. " hello 'big world'")
    server.stop()
    assert.are.equal(0, code, err)
    assert.are.equal("hello\nbig world\n", out)
  end)

  it("echo the lines of standard input", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    local out, code, err = run("echo_client.lua", "127.0.0.1 " .. server.port, "one\\ntwo\\n")
    server.stop()
    assert.are.equal(0, code, err)
    assert.are.equal("one\ntwo\n", out)
  end)

  it("the server survives a client's reset and keeps serving", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    local ok, err = pcall(trio.run, function()
      for _ = 1, 3 do
        local c = trio.open_tcp_stream("127.0.0.1", server.port)
        c:send_all("ping")
        assert.are.equal("ping", receive_until(c, "ping"))
        c:send_all("more")
        c:setsockopt(trio.socket.SOL_SOCKET, trio.socket.SO_LINGER, string.pack("ii", 1, 0))
        c:close()   -- RST
      end
      local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      c:send_all("still there")
      assert.are.equal("still there", receive_until(c, "still there"))
    end)
    server.stop()
    assert(ok, tostring(err))
    assert.is_nil(server.stderr:find("Traceback", 1, true))
  end)

  it("the client fails with status 1 when nobody listens", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    server.stop()   -- its port is now free
    local _, code, err = run("echo_client.lua", "127.0.0.1 " .. server.port .. " x")
    assert.are.equal(1, code)
    assert.matches("all attempts to connect", err, 1, true)
  end)
end)

describe("scripts/udp_echo.lua", function()
  it("the client prints the server's echo", function()
    need_host()
    local server = start("udp_echo.lua", "server 0 127.0.0.1")
    local out, code, err = run("udp_echo.lua", "client 127.0.0.1 " .. server.port .. " 'a datagram'")
    server.stop()
    assert.are.equal(0, code, err)
    assert.are.equal("a datagram\n", out)
  end)
end)

describe("scripts/lookup.lua", function()
  it("prints getaddrinfo results for each name", function()
    need_host()
    local out, code, err = run("lookup.lua", "127.0.0.1 localhost")
    assert.are.equal(0, code, err)
    assert.matches("127.0.0.1\tAF_INET\tSOCK_STREAM\t127.0.0.1", out, 1, true)
    assert.matches("\nlocalhost\tAF_INET", out, 1, true)
  end)

  it("prints usage and exits 2 without names", function()
    need_host()
    local _, code, err = run("lookup.lua", "")
    assert.are.equal(2, code)
    assert.matches("usage", err, 1, true)
  end)
end)

describe("scripts/port_scan.lua", function()
  it("finds the open port among closed ones", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    local p = server.port
    local out, code, err = run("port_scan.lua",
      string.format("127.0.0.1 %d %d 3 2", math.max(1, p - 5), p + 5))
    server.stop()
    assert.are.equal(0, code, err)
    assert.matches("\n?" .. p .. " open\n", out)
    assert.matches("port_scan: %d+ of 11 ports open on 127.0.0.1", out)
  end)
end)

describe("scripts/chat_server.lua", function()
  it("broadcasts one client's lines to the others", function()
    need_host()
    local server = start("chat_server.lua", "0 127.0.0.1")
    local ok, err = pcall(trio.run, function()
      local bob <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local carol <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      receive_until(bob, "joined\n")   -- bob sees carol join
      local alice <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      receive_until(bob, "joined\n")
      alice:send_all("/nick alice\nhello, room\n")
      assert.matches("<alice> hello, room", receive_until(bob, "<alice> hello, room\n"), 1, true)
      assert.matches("<alice> hello, room", receive_until(carol, "<alice> hello, room\n"), 1, true)
      alice:close()
      assert.matches("* alice left", receive_until(bob, "alice left\n"), 1, true)
    end)
    server.stop()
    assert(ok, tostring(err))
  end)
end)

describe("scripts/http_hello.lua", function()
  local RESPONSE = "HTTP/1.1 200 OK\r\nContent%-Type: text/plain\r\nContent%-Length: 13\r\n\r\nHello, world\n"

  it("answers pipelined keep-alive requests, then closes on 'Connection: close'", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    local ok, err = pcall(trio.run, function()
      local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
      c:send_all(req .. req)
      local got = receive_until(c, "world\n.*world\n")
      assert.matches("^" .. RESPONSE .. RESPONSE .. "$", got)
      c:send_all("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde")
      local last = receive_until(c, "\0")   -- no NUL comes: reads to EOF
      assert.matches("^HTTP/1.1 200 OK\r\n.*Connection: close\r\n\r\nHello, world\n$", last)
    end)
    server.stop()
    assert(ok, tostring(err))
  end)

  it("can be driven by wrk", function()
    need_host()
    h.skip_unless(os.execute("command -v wrk >/dev/null 2>&1"), "wrk is not installed")
    local server = start("http_hello.lua", "0 127.0.0.1")
    local p = io.popen("wrk -t1 -c8 -d1s http://127.0.0.1:" .. server.port .. "/ 2>&1")
    local out = p:read("a")
    p:close()
    server.stop()
    assert.matches("Requests/sec", out, 1, true)
    assert.is_nil(out:find("Non-2xx", 1, true), out)
    assert.is_nil(out:find("Socket errors", 1, true), out)
  end)
end)

describe("scripts/fd_passing.lua", function()
  it("passes a connected socket to a child process that answers on it", function()
    need_host()
    local out, code, err = run("fd_passing.lua")
    assert.are.equal(0, code, out .. err)
    assert.matches("child: received fd", out, 1, true)
    assert.matches('client: got "child process answers: hello from the client\\n"', out, 1, true)
    assert.matches("fd_passing: ok", out, 1, true)
  end)
end)

describe("scripts/demo.sh", function()
  it("runs the echo exchange of 'make demo' and exits 0", function()
    need_host()
    local build = os.getenv("LTRIO_BUILD") or (h.root .. "/build")
    local p = io.popen(string.format("LTRIO_BUILD=%s bash %sdemo.sh 2>&1", build, SCRIPTS))
    local out = p:read("a")
    local _, _, code = p:close()
    assert.are.equal(0, code, out)
    assert.matches("< hello, ltrio", out, 1, true)
    assert.matches("demo: ok", out, 1, true)
  end)
end)
