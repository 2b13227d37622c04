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

-- Lua code to run before a script ('ltrio -e'), saved in a temporary file: a test hook
-- that patches what the script uses and reports on stderr. Returns the option.
local function hook_option(code)
  if not code then return "" end
  return string.format("-e %s ", h.q(string.format("dofile(%q)", h.tmpfile(code))))
end

-- Runs a script to completion (at most 60 s: a script that should have exited but
-- serves or waits instead ends with status 124); returns its stdout, its exit code and
-- its stderr. 'hook' is Lua code run before the script (see hook_option).
local function run(script, args, stdin, hook)
  local errfile = os.tmpname()
  local cmd = string.format("timeout 60 %s %s%s%s %s 2>%s", LTRIO, hook_option(hook), SCRIPTS, script,
    args or "", errfile)
  -- 'stdin' is a printf format: "a\\nb\\n" feeds two lines
  if stdin then cmd = string.format("printf '%s' | %s", stdin, cmd) end
  local p = io.popen(cmd, "r")
  local out = p:read("a")
  local _, _, code = p:close()
  local err = h.slurp(errfile)
  os.remove(errfile)
  return out, code, err
end

-- Asserts that a run ended with a usage message and status 2, without a traceback.
local function assert_usage(script, args)
  local out, code, err = run(script, args)
  assert.are.equal(2, code, script .. " " .. args .. ": " .. out .. err)
  assert.matches("^usage: " .. script:gsub("%.", "%%."), err)
  assert.is_nil(err:find("traceback", 1, true), err)
end

-- Starts a server script; returns {pid, port, line, stop = function}. The first line
-- the script prints ("NAME: listening on 127.0.0.1:PORT") gives the port. 'hook' is Lua
-- code run before the script; server.stderr holds what it wrote once stopped.
local function start(script, args, hook)
  local errfile = os.tmpname()
  local p = io.popen(string.format("echo $$; exec %s %s%s%s %s 2>%s", LTRIO, hook_option(hook), SCRIPTS,
    script, args or "", errfile), "r")
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

-- Runs fn as the main task of trio.run, then stops 'server' whatever happened, then
-- raises fn's error if it failed.
local function run_against(server, fn)
  local ok, err = pcall(trio.run, fn)
  server.stop()
  assert(ok, tostring(err))
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

  it("the client refuses a message holding a newline, and a server that floods it", function()
    need_host()
    local _, code, err = run("echo_client.lua", "127.0.0.1 1 " .. h.q("a\nb"))
    assert.are.equal(2, code)
    assert.matches("message 1 holds a newline", err, 1, true)
    -- a server that answers with 8 MiB and no newline: status 1 once 64 KiB have come
    local out
    trio.run(function()
      local flooding <close> = trio.open_tcp_listeners(0, { host = "127.0.0.1" })[1]
      local port = flooding.socket:getsockname()[2]
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          local s <close> = flooding:accept()
          trio.pcall(s.send_all, s, string.rep("x", 8 << 20))
        end)
        local p = io.popen(string.format("timeout 60 %s %secho_client.lua 127.0.0.1 %d hi 2>&1; echo \"status $?\"",
          LTRIO, SCRIPTS, port))
        local stream <close> = trio.lowlevel.FdStream(p)
        local parts = {}
        while true do
          local data = stream:receive_some()
          if data == "" then break end
          parts[#parts + 1] = data
        end
        p:close()
        out = table.concat(parts)
        nursery.cancel_scope:cancel()
      end)
    end)
    assert.matches("the server sent a line of more than 65536 bytes", out, 1, true)
    assert.matches("status 1\n$", out)
  end)

  it("the server survives a client's reset and keeps serving", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    run_against(server, function()
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

  it("reject a port outside 0..65535 with a usage message", function()
    need_host()
    for _, port in ipairs{"-1", "65536", "70000"} do
      assert_usage("echo_server.lua", port .. " 127.0.0.1")
      assert_usage("echo_client.lua", "127.0.0.1 " .. port .. " x")
    end
  end)

  it("reject arguments beyond PORT HOST with a usage message", function()
    need_host()
    for _, script in ipairs{"echo_server.lua", "chat_server.lua", "http_hello.lua"} do
      assert_usage(script, "0 127.0.0.1 extra")
    end
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

  it("the client reports a refused datagram without a traceback and fails", function()
    need_host()
    local server = start("udp_echo.lua", "server 0 127.0.0.1")
    server.stop()   -- its port is now free: the kernel answers ICMP port unreachable
    local out, code, err = run("udp_echo.lua", "client 127.0.0.1 " .. server.port .. " hi 0.3")
    assert.are.equal(1, code, out .. err)
    assert.are.equal("", out)
    assert.matches("^udp_echo: no reply from 127%.0%.0%.1:" .. server.port, err)
    assert.is_nil(err:find("traceback", 1, true), err)
  end)

  it("rejects a port outside 0..65535 or a negative timeout with a usage message", function()
    need_host()
    for _, port in ipairs{"-1", "65536", "70000"} do
      assert_usage("udp_echo.lua", "server " .. port .. " 127.0.0.1")
      assert_usage("udp_echo.lua", "client 127.0.0.1 " .. port .. " hi")
    end
    assert_usage("udp_echo.lua", "client 127.0.0.1 7 hi -1")
    assert_usage("udp_echo.lua", "client 127.0.0.1 7 hi 0")
  end)
end)

describe("the server scripts", function()
  it("report a port already in use without a traceback and exit 1", function()
    need_host()
    for _, script in ipairs{"echo_server.lua", "chat_server.lua", "http_hello.lua", "udp_echo.lua"} do
      local mode = script == "udp_echo.lua" and "server " or ""
      local server = start(script, mode .. "0 127.0.0.1")
      local out, code, err = run(script, mode .. server.port .. " 127.0.0.1")
      server.stop()
      assert.are.equal(1, code, script .. ": " .. out .. err)
      local name = script:gsub("%.lua$", "")
      assert.matches("^" .. name .. ": OSError: %[Errno %d+%] Address already in use\n$", err)
    end
  end)
end)

describe("scripts/nursery_demo.lua", function()
  it("takes no arguments", function()
    need_host()
    assert_usage("nursery_demo.lua", "extra")
  end)

  it("runs its five steps in order, each with the outcome it describes", function()
    need_host()
    local out, code, err = run("nursery_demo.lua")
    assert.are.equal(0, code, err)
    local expected = {
      "worker 2 done", "worker 3 done", "worker 1 done", "the nursery returned after the slowest worker",
      "moved on; cancelled_caught = true", "ok = false, error = TooSlowError: deadline exceeded",
      "child 1 cleaned up", "the nursery returned: its scope caught the cancellation",
      "sibling cancelled", "ok = false, error = worker failed", "done",
    }
    local at = 1
    for _, text in ipairs(expected) do
      local found = out:find(text, at, true)
      assert.truthy(found, "missing or out of order: " .. text .. "\n" .. out)
      at = found + #text
    end
  end)
end)

describe("scripts/sync_demo.lua", function()
  it("serves every client, never more at once than the CapacityLimiter allows", function()
    need_host()
    for _, case in ipairs { { 6, 2 }, { 5, 1 }, { 8, 8 } } do
      local n, limit = case[1], case[2]
      local out, code, err = run("sync_demo.lua", n .. " " .. limit)
      assert.are.equal(0, code, err)
      local most = tonumber(out:match(n .. " clients served, at most (%d+) at a time %(limit " .. limit .. "%)\n$"))
      assert.is_not_nil(most, out)
      assert.is_true(most >= 1 and most <= limit, out)
      for open in out:gmatch("open connections: (%d+)") do
        assert.is_true(tonumber(open) <= limit, out)
      end
      assert.are.equal("", err)
    end
  end)

  it("prints usage and exits 2 for a bad count", function()
    need_host()
    assert_usage("sync_demo.lua", "0")
    assert_usage("sync_demo.lua", "3 x")
    assert_usage("sync_demo.lua", "3 1 extra")
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

  it("retries a probe that ran out of file descriptors instead of calling the port closed", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    local p = server.port
    -- the first attempt on each port fails as if the process had no fd left
    local out, code, err = run("port_scan.lua", string.format("127.0.0.1 %d %d 3 2", math.max(1, p - 2), p + 2), nil, [[
      local trio = require "ltrio"
      local open_tcp_stream, tried = trio.open_tcp_stream, {}
      trio.open_tcp_stream = function(host, port, ...)
        if not tried[port] then
          tried[port] = true
          local e = trio.OSError("[Errno 24] Too many open files (injected)")
          e.errno = trio.errno.EMFILE
          error(e, 0)
        end
        return open_tcp_stream(host, port, ...)
      end
    ]])
    server.stop()
    assert.are.equal(0, code, err)
    assert.matches("\n?" .. p .. " open\n", out)
  end)

  it("does not report a port whose connection was one of its own probes", function()
    need_host()
    local server = start("echo_server.lua", "0 127.0.0.1")
    local p = server.port
    -- the probe of port p+1 "connects" from local port p+1: a TCP self-connect
    local out, code, err = run("port_scan.lua", string.format("127.0.0.1 %d %d 3 2", p, p + 1), nil, [[
      local trio = require "ltrio"
      local open_tcp_stream = trio.open_tcp_stream
      trio.open_tcp_stream = function(host, port, ...)
        if port ~= ]] .. (p + 1) .. [[ then return open_tcp_stream(host, port, ...) end
        local here = setmetatable({}, {__tostring = function() return "127.0.0.1:" .. port end})
        return setmetatable({socket = {getsockname = function() return here end,
                                       getpeername = function() return here end}},
                            {__close = function() end})
      end
    ]])
    server.stop()
    assert.are.equal(0, code, err)
    assert.matches("\n?" .. p .. " open\n", out)
    assert.is_nil(out:find((p + 1) .. " open", 1, true), out)
    assert.matches("port_scan: 1 of 2 ports open", out, 1, true)
  end)

  it("rejects FROM > TO, ports outside 0..65535 and a negative timeout", function()
    need_host()
    assert_usage("port_scan.lua", "127.0.0.1 10 1")
    assert_usage("port_scan.lua", "127.0.0.1 -1 10")
    assert_usage("port_scan.lua", "127.0.0.1 65535 65536")
    assert_usage("port_scan.lua", "127.0.0.1 1 10 5 -1")
    assert_usage("port_scan.lua", "127.0.0.1 1 10 0")
    assert_usage("port_scan.lua", "127.0.0.1 1 10 5 1 extra")
  end)

  it("stops with one line and status 1 when HOST does not resolve", function()
    need_host()
    local out, code, err = run("port_scan.lua", "'' 1 3")   -- an empty name fails at once
    assert.are.equal(1, code, out .. err)
    assert.matches("^port_scan: gaierror: ", err)
    assert.is_nil(err:find("traceback", 1, true), err)
    assert.are.equal("", out)
  end)
end)

describe("scripts/chat_server.lua", function()
  teardown(h.remove_tmpfiles)

  it("broadcasts one client's lines to the others", function()
    need_host()
    local server = start("chat_server.lua", "0 127.0.0.1")
    run_against(server, function()
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
  end)

  it("disconnects a client whose line grows past 4096 bytes; the others go on at once", function()
    need_host()
    local server = start("chat_server.lua", "0 127.0.0.1")
    run_against(server, function()
      local bob <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local mallory <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      receive_until(bob, "joined\n")
      mallory:send_all(string.rep("x", 65536))  -- no newline: one line of 64 KiB
      assert.matches("line too long", receive_until(mallory, "goodbye\n"), 1, true)
      receive_until(bob, "left\n")
      local carol <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      trio.fail_after(5, receive_until, bob, "joined\n")  -- served at once, not seconds later
      carol:send_all("one\ntwo\n")
      assert.matches("> one\n<[^>]*> two\n", receive_until(bob, "> two\n"))
    end)
  end)

  it("delivers a burst of 300 lines to a client that reads (none dropped as too slow)", function()
    need_host()
    local server = start("chat_server.lua", "0 127.0.0.1")
    run_against(server, function()
      local victim <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local alice <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      receive_until(victim, "joined\n")
      local lines = {}
      for i = 1, 300 do lines[i] = "line " .. i end
      alice:send_all(table.concat(lines, "\n") .. "\n")
      local got = receive_until(victim, "> line 300\n")
      local n = 0
      for _ in got:gmatch("> line %d+\n") do n = n + 1 end
      assert.are.equal(300, n)
    end)
  end)

  it("survives a too long line from a client whose writer is blocked", function()
    need_host()
    local server = start("chat_server.lua", "0 127.0.0.1")
    run_against(server, function()
      local S = trio.socket
      local alice <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local slow = S.socket()
      slow:setsockopt(S.SOL_SOCKET, S.SO_RCVBUF, 2048)  -- reads nothing: its writer blocks
      slow:connect({ "127.0.0.1", server.port })
      local slow_stream <close> = trio.SocketStream(slow)
      receive_until(alice, "joined\n")
      for _ = 1, 20 do alice:send_all(string.rep("a", 4000) .. "\n") end
      trio.sleep(0.2)
      slow_stream:send_all(string.rep("x", 5000))  -- no newline
      receive_until(alice, "left\n")
      local carol <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      assert.matches("joined\n", receive_until(alice, "joined\n"))  -- the server still serves
    end)
    assert.is_nil(server.stderr:find("BusyResourceError", 1, true), server.stderr)
  end)

  it("closes the receive channel of a client that left", function()
    need_host()
    -- The hook sees the hub's messages as the broadcaster takes them; at "* NAME left"
    -- it reports whether that client's receive channel is closed (ClosedResourceError).
    local server = start("chat_server.lua", "0 127.0.0.1", [[
      local trio = require "ltrio"
      local open_memory_channel = trio.open_memory_channel
      local rx_of = {}
      local hub_made = false
      trio.open_memory_channel = function(n)
        local tx, rx = open_memory_channel(n)
        if hub_made then   -- a client's channel (the hub is made first, at the top level)
          rx_of[tx] = rx
          return tx, rx
        end
        hub_made = true
        local hub = {}
        function hub.iter()
          local nxt = rx:iter()
          return function()
            local msg = nxt()
            if msg and msg.text:find("^%* .* left$") then
              local crx = rx_of[msg.from.tx]
              local ok, e = trio.pcall(crx.receive_nowait, crx)
              local closed = not ok and trio.iserror(e, "ClosedResourceError")
              io.stderr:write("hook: the channel of the client that left is "
                .. (closed and "closed" or "open") .. "\n")
            end
            return msg
          end
        end
        return tx, hub
      end
    ]])
    run_against(server, function()
      local bob <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local alice = trio.open_tcp_stream("127.0.0.1", server.port)
      receive_until(bob, "joined\n")
      alice:close()
      receive_until(bob, "left\n")
    end)
    assert.matches("hook: the channel of the client that left is closed", server.stderr, 1, true)
  end)

  it("survives clients that reset before they are served", function()
    need_host()
    local server = start("chat_server.lua", "0 127.0.0.1")
    run_against(server, function()
      for _ = 1, 5 do
        local c = trio.open_tcp_stream("127.0.0.1", server.port)
        c:setsockopt(trio.socket.SOL_SOCKET, trio.socket.SO_LINGER, string.pack("ii", 1, 0))
        c:close()   -- RST: getpeername fails (ENOTCONN) once the server accepts it
      end
      local bob <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local carol <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      receive_until(bob, "joined\n")
      carol:send_all("hi\n")
      assert.matches("> hi\n", receive_until(bob, "> hi\n"), 1, true)
    end)
    assert.is_nil(server.stderr:find("traceback", 1, true), server.stderr)
  end)

  it("rejects a port outside 0..65535 with a usage message", function()
    need_host()
    for _, port in ipairs{"-1", "65536", "70000"} do assert_usage("chat_server.lua", port .. " 127.0.0.1") end
  end)
end)

describe("scripts/http_hello.lua", function()
  local RESPONSE = "HTTP/1.1 200 OK\r\nContent%-Type: text/plain\r\nContent%-Length: 13\r\n\r\nHello, world\n"

  it("answers pipelined keep-alive requests, then closes on 'Connection: close'", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    run_against(server, function()
      local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
      c:send_all(req .. req)
      local got = receive_until(c, "world\n.*world\n")
      assert.matches("^" .. RESPONSE .. RESPONSE .. "$", got)
      c:send_all("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde")
      local last = receive_until(c, "\0")   -- no NUL comes: reads to EOF
      assert.matches("^HTTP/1.1 200 OK\r\n.*Connection: close\r\n\r\nHello, world\n$", last)
    end)
  end)

  it("reads and ignores a body larger than the head limit", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    run_against(server, function()
      local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local body = ("x"):rep(100000)
      c:send_all("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body ..
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
      assert.matches("^" .. RESPONSE .. RESPONSE .. "$", receive_until(c, "world\n.*world\n"))
    end)
  end)

  it("answers an absurd or invalid Content-Length with an error and closes", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    run_against(server, function()
      local cases = {
        {"99999999999999999999999", "413"}, {"9223372036854775808", "413"}, {"1073741825", "413"},
        {"1e3", "400"}, {"-5", "400"}, {"12abc", "400"}, {"", "400"}, {"5\r\nContent-Length: 6", "400"},
      }
      for _, case in ipairs(cases) do
        local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
        c:send_all("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: " .. case[1] .. "\r\n\r\n")
        local got = receive_until(c, "\0")   -- no NUL comes: reads to EOF
        assert.matches("^HTTP/1.1 " .. case[2] .. " [^\r]*\r\n.*Connection: close\r\n\r\n$", got)
      end
    end)
  end)

  it("answers HEAD with the headers alone, and accepts a Content-Length with leading zeros", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    run_against(server, function()
      local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      c:send_all("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 0000000000000000005\r\n\r\n" ..
        "helloGET / HTTP/1.1\r\nConnection:\r\nX: close\r\n\r\n")
      local head_only = RESPONSE:gsub("Hello, world\n$", "")
      local got = receive_until(c, "world\n.*world\n")
      assert.matches("^" .. head_only .. RESPONSE .. RESPONSE .. "$", got)   -- and still open
    end)
  end)

  it("refuses Transfer-Encoding and malformed header lines, and closes", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    run_against(server, function()
      local cases = {
        {"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "501"},
        {"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\nabcd", "400"},
        {"Content-Length : 18\r\n\r\nGET / HTTP/1.1\r\n\r\n", "400"},   -- a blank before the colon
        {"no colon here\r\n\r\n", "400"},
        {" folded\r\n\r\n", "400"},
        {"Content-Length: 2\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\n\r\n", "400"},   -- a bare LF
        {"X: a\rb\r\n\r\n", "400"},   -- a bare CR
      }
      for _, case in ipairs(cases) do
        local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
        c:send_all("POST /x HTTP/1.1\r\nHost: x\r\n" .. case[1])
        local got = receive_until(c, "\0")   -- no NUL comes: reads to EOF
        assert.matches("^HTTP/1.1 " .. case[2] .. " [^\r]*\r\n.*Connection: close\r\n\r\n$", got)
      end
    end)
  end)

  it("still answers a head over 64 KiB with 400 and closes", function()
    need_host()
    local server = start("http_hello.lua", "0 127.0.0.1")
    run_against(server, function()
      local c <close> = trio.open_tcp_stream("127.0.0.1", server.port)
      local start_line = "GET / HTTP/1.1\r\nX: "
      c:send_all(start_line .. ("a"):rep(65537 - #start_line))   -- no end of head
      assert.matches("^HTTP/1.1 400 Bad Request\r\n", receive_until(c, "\0"))
    end)
  end)

  it("rejects a port outside 0..65535 with a usage message", function()
    need_host()
    for _, port in ipairs{"-1", "65536", "70000"} do assert_usage("http_hello.lua", port .. " 127.0.0.1") end
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
  teardown(h.remove_tmpfiles)

  it("passes a connected socket to a child process that answers on it", function()
    need_host()
    local out, code, err = run("fd_passing.lua")
    assert.are.equal(0, code, out .. err)
    assert.matches("child: received fd", out, 1, true)
    assert.matches('client: got "child process answers: hello from the client\\n"', out, 1, true)
    assert.matches("fd_passing: ok", out, 1, true)
  end)

  it("as the child, reports a path nobody listens on in one line, status 1", function()
    need_host()
    local path = os.tmpname()
    os.remove(path)   -- a free name: nothing listens there
    local out, code, err = run("fd_passing.lua", "child " .. path)
    assert.are.equal(1, code, out .. err)
    assert.matches("^fd_passing child: OSError: Error connecting to ", err)
    assert.is_nil(err:find("traceback", 1, true), err)
  end)

  it("closes the accepted socket when sendmsg fails, and reports the failure", function()
    need_host()
    -- sendmsg raises; at the os.remove that follows, the hook reports whether the fd
    -- it was given is still open (trio.socket.fromfd dups it) with the GC stopped.
    local out, code, err = run("fd_passing.lua", "", nil, [[
      local trio = require "ltrio"
      collectgarbage("stop")
      local passed
      trio.socket.SocketType.sendmsg = function(_, _, ancdata)
        passed = string.unpack("i", ancdata[1][3])
        error(trio.OSError("[Errno 32] Broken pipe (injected)"), 0)
      end
      local remove = os.remove
      function os.remove(path)
        if passed then
          local ok, dup = pcall(trio.socket.fromfd, passed)
          if ok then dup:close() end
          io.stderr:write("hook: the accepted socket is " .. (ok and "open" or "closed") .. "\n")
          passed = nil
        end
        return remove(path)
      end
    ]])
    assert.are.equal(1, code, out .. err)
    assert.matches("hook: the accepted socket is closed", err, 1, true)
    assert.matches("fd_passing: OSError: [Errno 32] Broken pipe (injected)", err, 1, true)
    assert.is_nil(err:find("traceback", 1, true), err)
  end)

  it("reports a child that exits before it connects, at once, and removes the socket file", function()
    need_host()
    -- LUA_INIT runs in both processes: the child (arg[1] == "child") exits with status 3
    local errfile = os.tmpname()
    local p = io.popen(string.format("LUA_INIT=%s timeout 60 %s %sfd_passing.lua 2>%s; echo \"status $?\"",
      h.q('if arg and arg[1] == "child" then os.exit(3) end'), LTRIO, SCRIPTS, errfile))
    local out = p:read("a")
    p:close()
    local err = h.slurp(errfile)
    os.remove(errfile)
    assert.matches("status 1\n$", out)  -- not 124: no wait for the 10 s deadline
    assert.matches("fd_passing: the child exited before it answered", err, 1, true)
    local path = out:match("and (%S+)\n")
    assert.is_string(path, out)
    assert.is_false(h.exists(path))
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
