-- spec/faults_spec.lua - hostile peers and exhausted resources, on loopback only: a peer
-- that resets during send_all and receive_some, EMFILE on accept, Ctrl-C while a task
-- never checkpoints, a getaddrinfo abandoned by cancellation after its run ended.
local h = require "spec.helper"

local trio = h.trio
local S = trio.socket

local exists, q, slurp, tmp, script = h.exists, h.q, h.slurp, h.tmpfile, h.tmpfile

-- A connected pair of SocketStreams over loopback TCP: client, server.
local function tcp_pair()
  local listener <close> = S.socket()
  listener:bind({ "127.0.0.1", 0 })
  listener:listen()
  local client, server
  trio.open_nursery(function(nursery)
    nursery:start_soon(function()
      client = trio.open_tcp_stream("127.0.0.1", listener:getsockname()[2])
    end)
    server = trio.SocketStream((listener:accept()))
  end)
  return client, server
end

-- Closes 'stream' so that the peer gets RST: SO_LINGER {on, 0 s}.
local function reset(stream)
  stream:setsockopt(S.SOL_SOCKET, S.SO_LINGER, string.pack("ii", 1, 0))
  stream:close()
end

describe("peer reset", function()
  teardown(h.remove_tmpfiles)

  it("during SocketStream:send_all raises BrokenResourceError", h.async(function()
    local client <close>, server = tcp_pair()
    local err
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        -- far more than the socket buffers hold: send_all blocks until the reset
        local ok, e = trio.pcall(client.send_all, client, ("x"):rep(32 * 1024 * 1024))
        assert.is_false(ok, "send_all finished although the peer never read")
        err = e
      end)
      trio.testing.wait_all_tasks_blocked()
      reset(server)
    end)
    h.errmatch(err, "BrokenResourceError")
  end))

  it("during SocketStream:receive_some raises BrokenResourceError", h.async(function()
    local client <close>, server = tcp_pair()
    local err
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        local ok, e = trio.pcall(client.receive_some, client)
        assert.is_false(ok, "receive_some returned " .. tostring(e))
        err = e
      end)
      trio.testing.wait_all_tasks_blocked()
      reset(server)
    end)
    h.errmatch(err, "BrokenResourceError")
  end))

  it("never kills plain lua5.4 with SIGPIPE (SIGPIPE at its default action)", function()
    -- A child whose SIGPIPE is SIG_DFL: send_all to a reset peer, then socket:send to
    -- a peer that is gone; both must raise, and the child must print its last line.
    local s = script([[
      local trio = require "ltrio"
      local S = trio.socket
      trio.run(function()
        local a, b = S.socketpair()
        b:close()
        local ok, e = trio.pcall(a.send, a, "x")
        io.write(tostring(ok), " ", tostring(e and e.errno == trio.errno.EPIPE), "\n")
        a:close()
        local l = S.socket(); l:bind({"127.0.0.1", 0}); l:listen()
        local c = trio.open_tcp_stream("127.0.0.1", l:getsockname()[2])
        local srv = l:accept()
        srv:setsockopt(S.SOL_SOCKET, S.SO_LINGER, string.pack("ii", 1, 0))
        srv:close(); l:close()
        local ok2, e2
        for _ = 1, 100 do   -- the first send may land before the RST is seen
          ok2, e2 = trio.pcall(c.send_all, c, ("y"):rep(65536))
          if not ok2 then break end
        end
        io.write(tostring(ok2), " ", tostring(e2 and e2.type), "\n")
        c:close()
      end)
      io.write("survived\n")
    ]])
    local p = io.popen("env --default-signal=PIPE timeout 60 lua5.4 " .. q(s) .. " 2>&1; echo status=$?")
    local out = p:read("a")
    p:close()
    assert.are.equal("false true\nfalse BrokenResourceError\nsurvived\nstatus=0\n", out)
  end)
end)

describe("EMFILE on accept", function()
  it("is logged, and the server serves again once fds are free", function()
    local bin = h.ltrio_bin
    h.skip_unless(exists(bin), "no host binary at " .. bin)
    local err = tmp()
    -- The server under a limit of 32 fds; it prints its port, then serves echo.
    local p = io.popen("bash -c " .. q("ulimit -n 32; echo $$; exec timeout 120 " .. q(bin) .. " " ..
      q(h.root .. "/scripts/echo_server.lua") .. " 0 127.0.0.1") .. " 2>" .. q(err), "r")
    local server_pid = tonumber(p:read("l"))  -- the shell's pid, which exec makes timeout's
    local first = p:read("l")
    local port = first and tonumber(first:match(":(%d+)$"))
    assert.truthy(port, "unexpected first line: " .. tostring(first) .. "\n" .. slurp(err))
    local ok, e = pcall(trio.run, function()
      local streams = {}
      -- Connect until the server has logged EMFILE (it has fewer than 32 fds to give).
      local logged = false
      for _ = 1, 200 do
        local s = trio.open_tcp_stream("127.0.0.1", port)
        streams[#streams + 1] = s
        if slurp(err):find("accept returned EMFILE", 1, true) then logged = true break end
      end
      if not logged then
        -- the last connections sit in the backlog; give the server's retry a moment
        trio.move_on_after(5, function()
          while not slurp(err):find("accept returned EMFILE", 1, true) do trio.sleep(0.05) end
        end)
      end
      assert.truthy(slurp(err):find("ltrio: accept returned EMFILE (Too many open files); retrying in 0.1 seconds",
        1, true), "no EMFILE line in the server's log:\n" .. slurp(err))
      for _, s in ipairs(streams) do s:close() end
      -- The server serves again: a new connection gets its echo.
      trio.fail_after(30, function()
        local c <close> = trio.open_tcp_stream("127.0.0.1", port)
        c:send_all("ping")
        local got = ""
        while #got < 4 do
          local d = c:receive_some()
          assert.are_not.equal("", d)
          got = got .. d
        end
        assert.are.equal("ping", got)
      end)
    end)
    -- Stop the server whatever happened: timeout passes the signal on to it.
    if server_pid then os.execute("kill " .. server_pid .. " 2>/dev/null") end
    p:close()
    if not ok then error(e, 0) end
  end)
end)

describe("Ctrl-C", function()
  it("ends the host even while a task never checkpoints (second Ctrl-C), status 130", function()
    local bin = h.ltrio_bin
    h.skip_unless(exists(bin), "no host binary at " .. bin)
    h.skip_unless(os.execute("env --default-signal=INT true >/dev/null 2>&1"),
      "env --default-signal is unavailable")
    local s = script([[
      local trio = require "ltrio"
      local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          io.stdout:write("ready ", pid, "\n")
          io.stdout:flush()
          local x = 0
          while true do x = x + 1 end   -- never checkpoints
        end)
        trio.sleep(60)
      end)
    ]])
    local err = tmp()
    local p, pid = h.start_host(s, err)
    assert(os.execute("kill -INT " .. pid))
    while h.sigint_pending(pid) do end          -- the first one was taken (a flag, no effect yet)
    os.execute("kill -INT " .. pid .. " 2>/dev/null")
    local rest = p:read("a")
    p:close()
    assert.are.equal("status=130\n", rest, slurp(err))
  end)
end)

describe("getaddrinfo abandoned by cancellation", function()
  it("finishes after its run ended; the next run sees lookups drain to 0", function()
    local before = trio.lowlevel.engine_statistics().lookups_pending
    assert.are.equal(0, before)
    trio.run(function()
      S.set_custom_hostname_resolver(nil)
      for _ = 1, 8 do
        local cs = trio.CancelScope()
        cs:cancel()
        -- cancelled before the call: nothing starts; then one cancelled while waiting
        cs:run(S.getaddrinfo, "localhost", 80)
        trio.move_on_after(0, S.getaddrinfo, "localhost", 80)
        local cs2 = trio.CancelScope()
        trio.open_nursery(function(nursery)
          nursery:start_soon(function() cs2:run(S.getaddrinfo, "localhost", 80) end)
          trio.sleep(0)
          cs2:cancel()   -- the lookup's thread may still be running: abandoned
        end)
      end
    end)
    -- Whatever is still pending finishes on the loop of a later run.
    trio.run(function()
      trio.fail_after(30, function()
        while trio.lowlevel.engine_statistics().lookups_pending > 0 do trio.sleep(0.01) end
      end)
      -- and lookups still work afterwards
      local res = S.getaddrinfo("127.0.0.1", 80)
      assert.is_true(#res >= 1)
    end)
    assert.are.equal(0, trio.lowlevel.engine_statistics().lookups_pending)
  end)
end)
