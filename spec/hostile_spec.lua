-- Hostile but legal Lua never crashes the engine, corrupts it or loses an error:
-- error objects with protected or odd metatables, thousands of arguments and
-- results, instruments that raise, nil errors, error objects tostring cannot show,
-- and other code resuming or closing a waiting task's coroutine.
local h = require "spec.helper"
local trio = require "ltrio"

-- Runs Lua 'code' from a file with 'interpreter' (lua5.4 finds the built module);
-- returns its stdout and stderr together, and whether it exited with status 0.
local function run_script(interpreter, code)
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(code)
  f:close()
  local env = "LUA_PATH=" .. h.q(h.build .. "/lua/?.lua;" .. h.build .. "/lua/?/init.lua;;") ..
    " LUA_CPATH=" .. h.q(h.build .. "/lua/?.so;;")
  local p = io.popen(env .. " timeout 60 " .. interpreter .. " " .. h.q(script) .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  os.remove(script)
  return out, ok
end

local function many(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

describe("an error object with a protected metatable", function()
  local locked = setmetatable({}, { __metatable = "locked" })

  it("leaves CancelScope:run's scope exited and comes out unchanged", h.async(function()
    local cs = trio.CancelScope()
    local ok, err = pcall(cs.run, cs, function() error(locked) end)
    assert.is_false(ok)
    assert.are.equal(locked, err)
    assert.matches("exited", tostring(cs))
    cs:cancel()                      -- outside the scope now: the task is not cancelled
    trio.sleep(0)
  end))

  it("leaves the nursery's scopes exited", h.async(function()
    local cs = trio.CancelScope()
    trio.open_nursery(function()
      pcall(cs.run, cs, function() error(locked) end)
    end)
    collectgarbage()
    collectgarbage()
    cs.shield = false                -- touches the scope's parent: must be gone, not freed memory
    cs:cancel()
    trio.sleep(0)
  end))

  it("whose metatable has a 'base' field that is not a class, or raising __index, is an ordinary error",
    h.async(function()
      local odd = setmetatable({}, { base = "not a class" })
      local raising = setmetatable({}, setmetatable({}, { __index = function() error("lookup") end }))
      for _, e in ipairs({ odd, raising }) do
        local ok, err = pcall(trio.open_nursery, function(n)
          n:start_soon(trio.sleep, 0.01)
          error(e)
        end)
        assert.is_false(ok)
        assert.are.equal(e, err)
        assert.is_false(trio.iserror(e, "Cancelled"))
      end
    end))
end)

describe("thousands of values", function()
  it("pass as arguments to start_soon, start, trio.pcall and move_on_after", h.async(function()
    local args = many(5000)
    local got
    trio.open_nursery(function(n)
      n:start_soon(function(...) got = select("#", ...) end, table.unpack(args))
      assert.are.equal(5000, n:start(function(...) trio.started(select("#", ...)) end, table.unpack(args)))
    end)
    assert.are.equal(5000, got)
    assert.are.equal(5001, select("#", trio.pcall(function(...) return ... end, table.unpack(args))))
    assert.are.equal(5001, select("#", trio.move_on_after(1, function(...) return ... end, table.unpack(args))))
  end))

  it("pass in and out of trio.run", function()
    local args = many(5000)
    assert.are.equal(5000, select("#", trio.run(function(...) return ... end, table.unpack(args))))
  end)
end)

describe("an address table changed by the user", function()
  it("prints any element of any length", h.async(function()
    local s = trio.socket.socket()
    s:bind({ "127.0.0.1", 0 })
    local a = s:getsockname()
    s:close()
    a[1] = string.rep("h", 3000)
    a[2] = 80
    assert.are.equal(3000 + 3, #tostring(a))
    a[1], a[2] = {}, nil
    assert.matches("^table: .*:nil$", tostring(a))
  end))
end)

describe("an instrument that raises", function()
  it("is reported on stderr and disabled; the run and the other instruments go on", function()
    local out = run_script("lua5.4", [[
      local trio = require "ltrio"
      local strict = setmetatable({}, { __index = function(_, k) error("no field " .. k) end })
      local steps = 0
      local counting = { before_task_step = function() steps = steps + 1 end }
      local list = { strict, counting }
      print(trio.run_with({ instruments = list }, function() trio.sleep(0) return "result" end))
      print(#list, steps > 0)
      print(trio.run(function() return "second run" end))
    ]])
    assert.matches("ltrio: an instrument raised in before_run and has been disabled: [^\n]*no field before_run", out)
    assert.matches("\nresult\n2\ttrue\nsecond run\n", out)
    local _, reports = out:gsub("has been disabled", "")
    assert.are.equal(1, reports)
  end)
end)

describe("a nil error", function()
  it("from a child is raised by open_nursery, not lost", h.async(function()
    local sibling_cancelled = true
    local res = table.pack(pcall(trio.open_nursery, function(n)
      n:start_soon(function() trio.sleep(0.01) error() end)
      n:start_soon(function() trio.sleep(10) sibling_cancelled = false end)
      return "body result"
    end))
    assert.are.same({ n = 2, false, nil }, res)
    assert.is_true(sibling_cancelled)
  end))

  it("from the body is raised by open_nursery", h.async(function()
    local res = table.pack(pcall(trio.open_nursery, function() error(nil) end))
    assert.are.same({ n = 2, false, nil }, res)
  end))

  it("counts in an ErrorGroup", h.async(function()
    local err = h.raises("ErrorGroup", trio.open_nursery, function(n)
      n:start_soon(function() error(nil) end)
      n:start_soon(function() error("second", 0) end)
    end)
    assert.matches("^2 errors: nil; second$", err.message)
  end))
end)

describe("an ErrorGroup member whose __tostring raises", function()
  it("keeps every error", h.async(function()
    local bad = setmetatable({ code = 1 }, { __tostring = function() error("no tostring") end })
    local err = h.raises("ErrorGroup", trio.open_nursery, function(n)
      n:start_soon(function() error(bad) end)
      n:start_soon(function() error("second", 0) end)
    end)
    assert.are.equal(2, #err.errors)
    assert.are.equal(bad, err.errors[1])
    assert.are.equal("second", err.errors[2])
    assert.matches("tostring cannot show", err.message)
  end))
end)

describe("Nursery:start in a cancelled scope", function()
  it("raises Cancelled when the child called started and returned", h.async(function()
    trio.open_nursery(function(n)
      local cs = trio.CancelScope()
      cs:cancel()
      local res = table.pack(cs:run(function()
        return n:start(function(v) trio.started(v) end, "value")
      end))
      assert.are.equal(0, res.n)
      assert.is_true(cs.cancelled_caught)
    end)
  end))
end)

describe("a waiting task's coroutine", function()
  it("resumed by other code stays where it waits; the resumer gets a RuntimeError", h.async(function()
    local thread, woke_at
    trio.open_nursery(function(n)
      n:start_soon(function()
        thread = coroutine.running()
        trio.sleep(0.05)
        woke_at = trio.current_time()
      end)
      trio.testing.wait_all_tasks_blocked()
      local ok, err = coroutine.resume(thread, "intruding", "values")
      assert.is_true(ok)
      h.errmatch(err, "RuntimeError", "resumed by the scheduler only")
      assert.are.equal("suspended", coroutine.status(thread))
      trio.sleep(0)
      assert.is_nil(woke_at)         -- the sleep was not cut short
    end)
    assert.is_not_nil(woke_at)
  end))

  it("resumed while it waits to receive still receives what arrives", h.async(function()
    local a, b = trio.socket.socketpair()
    local got, thread
    trio.open_nursery(function(n)
      n:start_soon(function()
        thread = coroutine.running()
        got = a:recv(10)
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_true((coroutine.resume(thread, "x")))
      assert.is_nil(got)
      b:send("data")
    end)
    assert.are.equal("data", got)
    a:close(); b:close()
  end))

  it("closed by other code ends the task with a RuntimeError when it is woken", h.async(function()
    local thread
    local err = h.raises("RuntimeError", trio.open_nursery, function(n)
      n:start_soon(function()
        thread = coroutine.running()
        trio.sleep(10)
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_true(coroutine.close(thread))
      collectgarbage()
      collectgarbage()
      n.cancel_scope:cancel()
    end)
    assert.matches("coroutine.close", err.message)
  end))

  -- The closed task's own nursery is left open with a child still running: the nursery
  -- above keeps waiting for that grandchild (it used to return, then touch freed memory).
  it("closed while its nursery has children: the nursery above waits for them", h.async(function()
    local thread
    local log = {}
    h.raises("RuntimeError", trio.open_nursery, function(n)
      n:start_soon(function()
        thread = coroutine.running()
        trio.open_nursery(function(m)
          m:start_soon(function()
            trio.CancelScope { shield = true }:run(trio.sleep, 0.2)
            log[#log + 1] = "grandchild done"
          end)
          trio.sleep(10)
        end)
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_true(coroutine.close(thread))
      for _ = 1, 3 do collectgarbage() end
      n.cancel_scope:cancel()  -- wakes the closed task at once; the grandchild is shielded
    end)
    log[#log + 1] = "nursery returned"
    for _ = 1, 3 do collectgarbage() end
    assert.are.same({ "grandchild done", "nursery returned" }, log)
  end))

  it("the main task closed while its nursery has children: the run ends after them", function()
    local log = {}
    local tasks = trio.lowlevel.engine_statistics().tasks_allocated
    local err = h.raises("RuntimeError", trio.run, function()
      local main = coroutine.running()
      trio.open_nursery(function(m)
        m:start_soon(function()
          trio.CancelScope { shield = true }:run(trio.sleep, 0.1)
          log[#log + 1] = "grandchild done"
        end)
        m:start_soon(function() trio.sleep(0.01); coroutine.close(main) end)
        trio.sleep(0.05)
      end)
    end)
    log[#log + 1] = "run returned"
    assert.matches("coroutine.close", err.message)
    assert.are.same({ "grandchild done", "run returned" }, log)
    assert.are.equal(tasks, trio.lowlevel.engine_statistics().tasks_allocated)
  end)

  it("closed inside Nursery:start: the target nursery still ends", h.async(function()
    local thread
    local err = h.raises("RuntimeError", trio.open_nursery, function(target)
      target:start_soon(function()
        thread = coroutine.running()
        target:start(function() trio.sleep(0.05); trio.started() end)
      end)
      trio.testing.wait_all_tasks_blocked()
      coroutine.close(thread)
    end)
    assert.matches("coroutine.close", err.message)
  end))

  it("closed while it receives on an FdStream: the stream is not left busy", h.async(function()
    local a, b = trio.socket.socketpair()
    local stream <close> = trio.lowlevel.FdStream(a:fileno())
    local thread
    h.raises("RuntimeError", trio.open_nursery, function(n)
      n:start_soon(function()
        thread = coroutine.running()
        stream:receive_some()
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_true(coroutine.close(thread))
      b:send("x")  -- wakes the closed task, which ends with a RuntimeError
    end)
    assert.are.equal("x", stream:receive_some())
    a:close()
    b:close()
  end))

  it("an orphaned nursery whose last start() fails after its last child still closes", h.async(function()
    local thread, orphan
    local log = {}
    h.raises("RuntimeError", trio.open_nursery, function(p)
      p:start_soon(function()
        thread = coroutine.running()
        trio.open_nursery(function(n)
          orphan = n
          n:start_soon(function() trio.CancelScope { shield = true }:run(trio.sleep, 0.1) end)
          trio.sleep(0.02)  -- wakes with its coroutine closed: n is orphaned
        end)
      end)
      trio.testing.wait_all_tasks_blocked()
      coroutine.close(thread)
      trio.CancelScope { shield = true }:run(function()
        trio.sleep(0.05)  -- n's last child ends while the start() below is pending
        local ok = pcall(orphan.start, orphan, function()
          trio.CancelScope { shield = true }:run(trio.sleep, 0.2)
        end)
        log[#log + 1] = ok and "started" or "start failed"
      end)
    end)
    log[#log + 1] = "nursery returned"
    assert.are.same({ "start failed", "nursery returned" }, log)
  end))

  it("closed while waiting on a Lock, a channel or a Semaphore: nothing is handed to it", h.async(function()
    local lock, sem = trio.Lock(), trio.Semaphore(0)
    local tx, rx = trio.open_memory_channel(0)
    local got = {}
    local err = h.raises("ErrorGroup", trio.open_nursery, function(n)
      local dead = {}
      n:start_soon(function() dead[1] = coroutine.running(); lock:acquire() end)
      n:start_soon(function() dead[2] = coroutine.running(); rx:receive() end)
      n:start_soon(function() dead[3] = coroutine.running(); sem:acquire() end)
      lock:acquire()
      trio.testing.wait_all_tasks_blocked()
      for _, thread in ipairs(dead) do assert.is_true(coroutine.close(thread)) end
      n:start_soon(function() lock:acquire(); got.lock = true; lock:release() end)
      n:start_soon(function() got.item = rx:receive() end)
      n:start_soon(function() sem:acquire(); got.sem = true end)
      trio.testing.wait_all_tasks_blocked()
      lock:release()
      tx:send("item")
      sem:release()
      trio.testing.wait_all_tasks_blocked()
      n.cancel_scope:cancel()  -- wakes the closed tasks, which fail
    end)
    assert.are.same({ lock = true, item = "item", sem = true }, got)
    assert.are.equal(3, #err.errors)  -- each closed task's RuntimeError
    tx:close(); rx:close()
  end))
end)

describe("bad constructor values", function()
  it("Semaphore rejects values that are not integers", function()
    for _, v in ipairs({ math.huge, 2 ^ 63, 0 / 0, 1.5 }) do
      h.raises("TypeError", trio.Semaphore, v)
    end
    h.raises("TypeError", trio.Semaphore, 1, 1.5)
    assert.are.equal(3, trio.Semaphore(3.0).value)
  end)

  it("CancelScope names the deadline option", function()
    h.errmatch(h.raises("ValueError", trio.CancelScope, { deadline = 0 / 0 }), "ValueError",
      "#1 'options' %(deadline must not be NaN%)")
    h.errmatch(h.raises("TypeError", trio.CancelScope, { deadline = "soon" }), "TypeError",
      "#1 'options' %(deadline must be a number, got string%)")
  end)
end)

describe("custom socket factories and resolvers", function()
  local S = trio.socket

  it("must be nil or objects with the method ltrio calls", h.async(function()
    h.raises("TypeError", S.set_custom_socket_factory, 5)
    h.raises("TypeError", S.set_custom_socket_factory, {})
    h.raises("TypeError", S.set_custom_hostname_resolver, { getaddrinfo = 5 })
    assert.is_nil(S.set_custom_socket_factory(nil))
  end))

  it("a factory that calls trio.socket.socket gets a real socket", h.async(function()
    local made = 0
    S.set_custom_socket_factory({ socket = function(_, f, t, p)
      made = made + 1
      return S.socket(f, t, p)
    end })
    local s <close> = S.socket()
    S.set_custom_socket_factory(nil)
    assert.are.equal(1, made)
    assert.is_true(S.is_socket(s))
  end))

  it("a factory result that is not a socket is a TypeError", h.async(function()
    S.set_custom_socket_factory({ socket = function() return nil end })
    local err = h.raises("TypeError", S.socket)
    S.set_custom_socket_factory(nil)
    assert.matches("socket factory returned nil", err.message, 1, true)
  end))

  it("a factory result that is a table or userdata but not a socket is a TypeError too", h.async(function()
    local NotSocket = { __index = { setsockopt = function() end } }
    for _, v in ipairs { {}, setmetatable({}, NotSocket), io.stdout, trio.Buffer(1), 5, "sock" } do
      S.set_custom_socket_factory({ socket = function() return v end })
      local err = h.raises("TypeError", S.socket)
      assert.matches("trio.socket.socket: the socket factory returned " .. type(v) .. ", not a socket",
        err.message, 1, true)
      -- what the high-level functions do with it: the same TypeError, not a failed call
      err = h.raises("TypeError", trio.open_tcp_listeners, 0, { host = "127.0.0.1" })
      assert.matches("not a socket", err.message, 1, true)
      err = h.raises("TypeError", trio.open_unix_socket, "/nonexistent/ltrio.sock")
      assert.matches("not a socket", err.message, 1, true)
      err = h.raises("TypeError", trio.open_tcp_stream, "127.0.0.1", 1)
      assert.matches("not a socket", err.message, 1, true)
    end
    -- a fake whose class leads to SocketType, and a real socket, are accepted
    local Fake = setmetatable({}, { __index = S.SocketType })
    Fake.__index = Fake
    local fake = setmetatable({}, Fake)
    S.set_custom_socket_factory({ socket = function() return fake end })
    assert.equal(fake, S.socket())
    S.set_custom_socket_factory({ socket = function(_, ...) return S.socket(...) end })
    local s <close> = S.socket()
    assert.equal("userdata", type(s))
    S.set_custom_socket_factory(nil)
  end))

  it("a resolver result that is not an array, or has no address, is an error", h.async(function()
    S.set_custom_hostname_resolver({ getaddrinfo = function() return "x" end })
    h.raises("TypeError", S.getaddrinfo, "example.test", 80)
    S.set_custom_hostname_resolver({ getaddrinfo = function() return {} end })
    local s <close> = S.socket()
    local err = h.raises("gaierror", s.connect, s, { "example.test", 80 })
    h.raises("TypeError", S.getnameinfo, { "127.0.0.1", 80 }, 0)  -- it has no getnameinfo
    S.set_custom_hostname_resolver(nil)
    assert.matches("no address for example.test", err.message, 1, true)
  end))
end)

describe("strings that C would cut at a NUL byte", function()
  it("are a ValueError", h.async(function()
    local S = trio.socket
    h.raises("ValueError", S.getaddrinfo, "localhost\0.evil.example", 80)
    h.raises("ValueError", S.getaddrinfo, "localhost", "80\0")
    local s <close> = S.socket()
    h.raises("ValueError", s.bind, s, { "127.0.0.1\0junk", 0 })
    h.raises("ValueError", S.getprotobyname, "tcp\0x")
    h.raises("ValueError", S.if_nametoindex, "lo\0x")
    h.raises("ValueError", S.inet_aton, "1.2.3.4\0x")
  end))
end)

describe("high-level TCP functions", function()
  it("reject ports outside 0-65535 (getaddrinfo would wrap them)", h.async(function()
    h.errmatch(h.raises("ValueError", trio.open_tcp_stream, "127.0.0.1", 70000), "ValueError",
      "^trio%.open_tcp_stream: bad argument #2 'port' %(port between 0 and 65535 expected, got 70000%)$")
    h.raises("ValueError", trio.open_tcp_listeners, -1)
    h.raises("ValueError", trio.serve_tcp, print, 65536)
  end))

  it("check serve options and listeners before serving", h.async(function()
    h.errmatch(h.raises("TypeError", trio.serve_tcp, print, 0, { handler_nursery = 5 }), "TypeError",
      "opts.handler_nursery")
    h.raises("TypeError", trio.serve_listeners, print, { 5 })
  end))

  it("name themselves when called outside a run", function()
    for name, call in pairs({
      ["trio.open_tcp_stream"] = function() trio.open_tcp_stream("127.0.0.1", 80) end,
      ["trio.open_tcp_listeners"] = function() trio.open_tcp_listeners(0) end,
      ["trio.serve_tcp"] = function() trio.serve_tcp(print, 0) end,
      ["trio.open_unix_socket"] = function() trio.open_unix_socket("/nonexistent") end,
      ["trio.aclose_forcefully"] = function() trio.aclose_forcefully(trio.socket.socket()) end,
    }) do
      h.errmatch(h.raises("RuntimeError", call), "RuntimeError", name:gsub("%.", "%%."))
    end
  end)
end)

describe("trio.Buffer", function()
  it("needs its size and has no fields to set", function()
    h.raises("TypeError", trio.Buffer)
    local b = trio.Buffer(2)
    h.raises("AttributeError", function() b.x = 1 end)
    assert.are.equal(0, #trio.Buffer(0))
  end)
end)

describe("argument numbers in messages", function()
  it("sendmsg names its buffers argument #1, MockClock its options", h.async(function()
    local a, b = trio.socket.socketpair()
    h.errmatch(h.raises("TypeError", a.sendmsg, a, { 5 }), "TypeError", "#1 'buffers'")
    a:close(); b:close()
    h.errmatch(h.raises("ValueError", trio.testing.MockClock, { rate = -1 }), "ValueError", "#1 'options'")
  end))
end)

describe("the host binary reporting a failed open_tcp_stream", function()
  it("prints why each connection attempt failed", function()
    local out, ok = run_script(h.q(h.ltrio_bin), [[
      local trio = require "ltrio"
      local l = trio.socket.socket()
      l:bind({ "127.0.0.1", 0 })
      local port = l:getsockname()[2]
      l:close()                      -- nothing listens there now
      trio.open_tcp_stream("127.0.0.1", port)
    ]])
    assert.is_falsy(ok)
    assert.matches("^ltrio: OSError: all attempts to connect to 127%.0%.0%.1:%d+ failed\n  OSError: [^\n]*Connection refused\ntask 'main'", out)
  end)
end)

describe("a task running a C function", function()
  it("is named [C]", function()
    local names = {}
    local inst = { task_spawned = function(_, t) names[#names + 1] = t.name end }
    h.checked(trio.run_with, { instruments = { inst } }, function()
      trio.open_nursery(function(n) n:start_soon(trio.sleep, 0) end)
    end)
    assert.are.same({ "main", "[C]" }, names)
  end)
end)

describe("argument messages", function()
  it("show NaN as nan and a missing sendto address as no value", h.async(function()
    h.errmatch(h.raises("ValueError", trio.sleep, 0 / 0), "ValueError", "got nan%)")
    h.errmatch(h.raises("ValueError", trio.move_on_after, 0 / 0, print), "ValueError", "got nan%)")
    local s <close> = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_DGRAM)
    h.errmatch(h.raises("TypeError", s.sendto, s, "x"), "TypeError", "'address' %(address expected, got no value%)")
    h.errmatch(h.raises("TypeError", trio.socket.getnameinfo, "x"), "TypeError", "#1 'sockaddr'")
    h.errmatch(h.raises("TypeError", trio.socket.getnameinfo, { "127.0.0.1", "80" }, 0), "TypeError",
      "integer port expected, got string")
  end))

  it("name the type a TypeError got, and a method's wrong self as 'bad self', in Lua and C alike", h.async(function()
    h.errmatch(h.raises("TypeError", trio.open_nursery, 5), "TypeError", "%(function expected, got number%)")
    h.errmatch(h.raises("TypeError", trio.Semaphore, 1.5), "TypeError", "%(integer expected, got 1%.5%)")
    h.errmatch(h.raises("TypeError", trio.Event().wait, 5), "TypeError", "Event:wait: bad self %(.* got number%)")
    local s <close> = trio.socket.socket()
    h.errmatch(h.raises("TypeError", s.recv, 5), "TypeError", "socket:recv: bad self %(socket expected, got number%)")
  end))
end)

describe("the end of a run", function()
  it("has no root task once the main task finished (after_run sees RuntimeError)", function()
    local res
    trio.run_with({ instruments = { { after_run = function()
      collectgarbage()
      collectgarbage()
      res = table.pack(pcall(trio.lowlevel.current_root_task))
    end } } }, function() trio.sleep(0) end)
    assert.is_false(res[1])
    assert.is_true(trio.iserror(res[2], "RuntimeError"))
  end)

  it("refuses a trio.run started by a __gc meanwhile, and returns its own results", function()
    local nested = {}
    local mt = { __gc = function() nested[#nested + 1] = table.pack(pcall(trio.run, function() return 1, 2, 3 end)) end }
    collectgarbage("incremental", 1, 1000)   -- collect often, inside the runs' own allocations
    for _ = 1, 300 do
      for _ = 1, 5 do setmetatable({}, mt) end
      local r = table.pack(trio.run(function() setmetatable({}, mt) return "x" end))
      assert.are.same({ n = 1, "x" }, r)
    end
    collectgarbage("generational")
    collectgarbage()
    for _, n in ipairs(nested) do
      if not n[1] then assert.is_true(trio.iserror(n[2], "RuntimeError")) end
    end
  end)
end)

describe("MSG_TRUNC", function()
  it("on a TCP socket returns zeros, never an earlier receive's bytes", h.async(function()
    local S = trio.socket
    local a, b = S.socketpair()
    a:send("SECRET-PASSWORD")
    assert.are.equal("SECRET-PASSWORD", b:recv(100))
    a:close(); b:close()
    local l <close> = S.socket()
    l:bind({ "127.0.0.1", 0 })
    l:listen()
    local c <close> = S.socket()
    c:connect(l:getsockname())
    local d <close> = l:accept()
    c:send("0123456789")
    trio.testing.wait_all_tasks_blocked()
    assert.are.equal(string.rep("\0", 10), d:recv(15, S.MSG_TRUNC))  -- TCP discards the bytes
  end))

  it("makes recv_into return a datagram's real length, as recvmsg_into does", h.async(function()
    local S = trio.socket
    local a, b = S.socketpair(S.AF_UNIX, S.SOCK_DGRAM)
    local buf = trio.Buffer(4)
    a:send(string.rep("d", 1000))
    assert.are.equal(1000, b:recv_into(buf, 4, S.MSG_TRUNC))
    assert.are.equal("dddd", buf:tostring())
    a:close(); b:close()
  end))
end)

describe("a socket collected while a task waits on its bare fd number", function()
  it("wakes that task with ClosedResourceError; the fd's next socket is not busy", h.async(function()
    local S = trio.socket
    trio.open_nursery(function(n)
      local a, b = S.socketpair()
      local fd = a:fileno()
      local woke
      n:start_soon(function() woke = table.pack(pcall(trio.lowlevel.wait_readable, fd)) end)
      trio.testing.wait_all_tasks_blocked()
      a, b = nil, nil
      collectgarbage()
      collectgarbage()
      local c, d = S.socketpair()
      d:send("hi")
      assert.are.equal("hi", c:recv(10))
      trio.testing.wait_all_tasks_blocked()
      assert.is_false(woke[1])
      assert.is_true(trio.iserror(woke[2], "ClosedResourceError"))
      c:close(); d:close()
    end)
  end))
end)

describe("an autojumping MockClock", function()
  it("does not jump while a task waits in wait_all_tasks_blocked (as Trio)", function()
    local log = {}
    trio.run_with({ clock = trio.testing.MockClock { autojump_threshold = 0 } }, function()
      trio.open_nursery(function(n)
        n:start_soon(function() trio.sleep(10) log[#log + 1] = trio.current_time() end)
        trio.testing.wait_all_tasks_blocked(0.01)
        log[#log + 1] = trio.current_time()
      end)
    end)
    assert.are.same({ 0.0, 10.0 }, log)
  end)
end)

describe("integers C would truncate", function()
  it("are a ValueError: setsockopt, shutdown, socket, flags, getaddrinfo", h.async(function()
    local S = trio.socket
    local s <close> = S.socket()
    h.raises("ValueError", s.setsockopt, s, S.SOL_SOCKET, S.SO_RCVBUF, 2 ^ 32 + 4096)
    h.raises("ValueError", s.setsockopt, s, 2 ^ 32 + S.SOL_SOCKET, S.SO_REUSEADDR, 1)
    h.raises("ValueError", s.getsockopt, s, S.SOL_SOCKET, 2 ^ 32 + S.SO_RCVBUF)
    h.raises("ValueError", s.shutdown, s, 2 ^ 32 + S.SHUT_WR)
    h.raises("ValueError", S.socket, 2 ^ 32 + S.AF_INET, S.SOCK_DGRAM)
    h.raises("ValueError", S.getaddrinfo, "127.0.0.1", 80, 2 ^ 32 + S.AF_INET)
    local a, b = S.socketpair()
    h.raises("ValueError", a.send, a, "x", 2 ^ 40)
    a:close(); b:close()
  end))

  it("ancillary data takes numbers for level and type and strings or Buffers for data", h.async(function()
    local S = trio.socket
    local a, b = S.socketpair()
    h.raises("TypeError", a.sendmsg, a, { "x" }, { { tostring(S.SOL_SOCKET), S.SCM_RIGHTS, string.pack("i", 0) } })
    h.raises("TypeError", a.sendmsg, a, { "x" }, { { S.SOL_SOCKET, S.SCM_RIGHTS, 12345 } })
    h.raises("TypeError", a.sendmsg, a, { "x" }, { { 2 ^ 33, S.SCM_RIGHTS, string.pack("i", 0) } })
    a:close(); b:close()
  end))
end)

describe("waiters on a Lock", function()
  it("get it in arrival order, skipping those cancelled meanwhile", h.async(function()
    local lock = trio.Lock()
    local order, scopes = {}, {}
    lock:acquire()
    trio.open_nursery(function(n)
      for i = 1, 6 do
        n:start_soon(function()
          scopes[i] = trio.CancelScope()
          scopes[i]:run(function()
            lock:acquire()
            order[#order + 1] = i
            lock:release()
          end)
        end)
        trio.testing.wait_all_tasks_blocked()
      end
      scopes[2]:cancel()
      scopes[5]:cancel()
      trio.testing.wait_all_tasks_blocked()
      lock:release()
    end)
    assert.are.same({ 1, 3, 4, 6 }, order)
  end))
end)

describe("number arguments", function()
  it("sendfile takes an fd given as an exact float, as every integer argument", h.async(function()
    local path = os.tmpname()
    local w = assert(io.open(path, "w"))
    w:write("abc")
    w:close()
    local f, fd = h.open_fd(path)
    local a, b = trio.socket.socketpair()
    assert.are.equal(3, a:sendfile(fd + 0.0, 0, 3))
    assert.are.equal("abc", b:recv(10))
    a:close(); b:close(); f:close()
    os.remove(path)
  end))

  it("address tables take numbers, not numeric strings, for integer fields", h.async(function()
    local S = trio.socket
    local ok, nl = pcall(S.socket, S.AF_NETLINK, S.SOCK_RAW, 0)
    h.skip_unless(ok, "no AF_NETLINK sockets here")
    h.raises("TypeError", nl.bind, nl, { "0", "0" })
    nl:bind({ 0, 0 })
    nl:close()
  end))

  it("a Semaphore's release never wraps past math.maxinteger", function()
    local sem = trio.Semaphore(math.maxinteger)
    h.raises("ValueError", sem.release, sem)
    assert.are.equal(math.maxinteger, sem.value)
  end)
end)

describe("a process started with standard fds closed", function()
  it("runs and exits 0; stdio never aliases the engine's own fds", function()
    local out = os.tmpname()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(([[
      local trio = require "ltrio"
      trio.sleep(0.01)
      local ok = io.stdout:write("x") and io.stdout:flush()   -- /dev/null: succeeds
      local o = assert(io.open(%q, "w"))
      o:write(tostring(ok and true), "\n", tostring(io.read()), "\n")
      o:close()
    ]]):format(out))
    f:close()
    for _, redirections in ipairs({ "</dev/null >&- 2>&-", "<&- >&-", "<&- >&- 2>&-" }) do
      local ok, how, code = os.execute("timeout 30 " .. h.q(h.ltrio_bin) .. " " .. h.q(script) .. " " .. redirections)
      assert.is_true(ok, redirections .. ": " .. tostring(how) .. " " .. tostring(code))
      assert.are.equal("true\nnil\n", h.slurp(out), redirections)
    end
    os.remove(script)
    os.remove(out)
  end)
end)

describe("the host binary without a script", function()
  it("runs standard input when it is not a terminal, after -l modules, as lua does", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. h.q(dir)))
    local f = assert(io.open(dir .. "/spec_host_mod.lua", "w"))
    f:write('MARK = "loaded"\n')
    f:close()
    local p = io.popen("cd " .. h.q(dir) .. " && printf 'print(MARK, select(\"#\", ...))' | timeout 30 " ..
      h.q(h.ltrio_bin) .. " -l spec_host_mod 2>&1")
    local out = p:read("a")
    local ok = p:close()
    os.execute("rm -rf " .. h.q(dir))
    assert.is_true(ok, out)
    assert.are.equal("loaded\t0\n", out)
  end)
end)

describe("a light userdata given a class's metatable with debug.setmetatable", function()
  it("is not taken for a socket, Buffer or MockClock", h.async(function()
    local a, b = trio.socket.socketpair()
    local light = debug.upvalueid(function() return a end, 1)
    assert.are.equal("userdata", type(light))
    local targets = {
      {getmetatable(a), function(v) return a.fileno(v) end},
      {getmetatable(trio.Buffer(1)), function(v) return trio.Buffer(1).tostring(v) end},
      {getmetatable(trio.testing.MockClock()), function(v) return trio.testing.MockClock().jump(v, 1) end},
    }
    for i, target in ipairs(targets) do
      debug.setmetatable(light, target[1])
      local ok, err = pcall(target[2], light)
      debug.setmetatable(light, nil)
      assert.is_false(ok, "case " .. i)
      assert.is_true(trio.iserror(err, "TypeError"), "case " .. i .. ": " .. tostring(err))
    end
    local stream = trio.SocketStream(a)
    rawset(stream, "socket", light)   -- the stream's fast path reads this field
    debug.setmetatable(light, getmetatable(b))
    local ok = pcall(stream.receive_some, stream)
    debug.setmetatable(light, nil)
    assert.is_false(ok)
    a:close(); b:close()
  end))
end)
