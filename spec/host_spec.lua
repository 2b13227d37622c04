-- The host binary build/ltrio, run as a subprocess: options like lua's, exit
-- status, the report of an uncaught error, nested trio.run, Ctrl-C (API.md §1).
local h = require "spec.helper"

local BIN = h.ltrio_bin
local exists, q, slurp, tmp = h.exists, h.q, h.slurp, h.tmpfile
local have_bin = exists(BIN)

-- Runs `ltrio <args>` through sh (args already quoted); returns the exit status,
-- stdout and stderr. 'stdin' is a file name (default /dev/null); 'env' a prefix.
local function host(args, stdin, env)
  local out, err = tmp(), tmp()
  local cmd = (env or "") .. "timeout 60 " .. q(BIN) .. " " .. args ..
    " <" .. q(stdin or "/dev/null") .. " >" .. q(out) .. " 2>" .. q(err) .. "; echo $?"
  local p = io.popen(cmd)
  local status = tonumber(p:read("a"))
  p:close()
  return status, slurp(out), slurp(err)
end

local script = tmp

local function need_bin()
  h.skip_unless(have_bin, BIN .. " is missing (run make)")
end

describe("ltrio (host binary)", function()
  teardown(function()
    h.remove_tmpfiles()
  end)

  it("-v and --version print the versions and exit 0", function()
    need_bin()
    for _, opt in ipairs { "-v", "--version" } do
      local status, out, err = host(opt)
      assert.are.equal(0, status)
      local text = out .. err
      assert.truthy(text:find("^ltrio %d+%.%d+%.%d+ %(Lua 5%.4%.%d+, libuv %d+%.%d+%.%d+%)\n?$"), text)
    end
  end)

  it("-h and --help print a usage that lists the options and exit 0", function()
    need_bin()
    for _, opt in ipairs { "-h", "--help" } do
      local status, out, err = host(opt)
      assert.are.equal(0, status)
      local text = out .. err
      assert.truthy(text:lower():find("usage"), text)
      assert.truthy(text:find("-e", 1, true), text)
    end
  end)

  it("-e runs code as the main task: async functions are called directly", function()
    need_bin()
    local status, out, err = host("-e " .. q([[
      local trio = require "ltrio"
      trio.sleep(0)
      trio.open_nursery(function(n) n:start_soon(trio.sleep, 0) end)
      print(trio.lowlevel.current_task().name)]]))
    assert.are.equal(0, status, err)
    assert.are.equal("main\n", out)
    status, out = host("-e " .. q("print(1 + 1)") .. " -e " .. q("print('second')"))
    assert.are.equal(0, status)
    assert.are.equal("2\nsecond\n", out)
  end)

  it("runs a script with its arguments in ... and arg, as lua does", function()
    need_bin()
    local s = script([[
      print(select("#", ...), ...)
      print(arg[0] ~= nil, arg[1], arg[2], arg[-1] ~= nil)
    ]])
    local status, out, err = host(q(s) .. " one two")
    assert.are.equal(0, status, err)
    assert.are.equal("2\tone\ttwo\ntrue\tone\ttwo\ttrue\n", out)
  end)

  it("- runs stdin", function()
    need_bin()
    local s = script("print('from stdin', require('ltrio').lowlevel.current_task().name)\n")
    local status, out, err = host("-", s)
    assert.are.equal(0, status, err)
    assert.are.equal("from stdin\tmain\n", out)
  end)

  it("-l requires a module into a global", function()
    need_bin()
    local status, out, err = host("-l ltrio -e " .. q("print(type(ltrio), ltrio == require 'ltrio')"))
    assert.are.equal(0, status, err)
    assert.are.equal("table\ttrue\n", out)
  end)

  it("-l with a missing module reports it as lua does (no position of the host's own code)", function()
    need_bin()
    local status, _, err = host("-l nosuchmodule_x")
    assert.are.equal(1, status)
    assert.truthy(err:find("^ltrio: module 'nosuchmodule_x' not found"), err)
  end)

  it("has ltrio built in: require never loads another copy", function()
    need_bin()
    local dir = tmp()
    os.remove(dir)
    assert(os.execute("mkdir " .. q(dir)))
    local f = assert(io.open(dir .. "/ltrio.lua", "wb"))
    f:write("error('the wrong ltrio was loaded')\n")
    f:close()
    local status, out, err = host("-e " .. q("print(type(require('ltrio').run))"), nil,
      "LUA_PATH=" .. q(dir .. "/?.lua") .. " LUA_PATH_5_4=" .. q(dir .. "/?.lua") .. " ")
    os.remove(dir .. "/ltrio.lua")
    os.remove(dir)
    assert.are.equal(0, status, err)
    assert.are.equal("function\n", out)
  end)

  it("loads C modules with require, which call into the host's Lua", function()
    need_bin()
    h.skip_unless(os.execute("command -v cc >/dev/null 2>&1"), "no C compiler (cc)")
    local dir = tmp()
    os.remove(dir)
    assert(os.execute("mkdir " .. q(dir)))
    local f = assert(io.open(dir .. "/probe.c", "wb"))
    f:write([=[
#include <lua.h>
#include <lauxlib.h>
static int add(lua_State *L) {
  lua_pushinteger(L, luaL_checkinteger(L, 1) + luaL_checkinteger(L, 2));
  return 1;
}
static int describe(lua_State *L) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, luaL_typename(L, 1));
  luaL_addchar(&b, ':');
  luaL_addvalue((lua_pushfstring(L, "%d", (int)lua_rawlen(L, 1)), &b));
  luaL_pushresult(&b);
  return 1;
}
int luaopen_probe(lua_State *L) {
  static const luaL_Reg fns[] = {{"add", add}, {"describe", describe}, {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
]=])
    f:close()
    -- built as Debian builds Lua modules: Lua's symbols are left to the program loading it
    local ok = os.execute("cc -shared -fPIC -o " .. q(dir .. "/probe.so") .. " " .. q(dir .. "/probe.c") ..
      " $(pkg-config --cflags lua5.4) 2>" .. q(dir .. "/cc.err"))
    local cc_err = slurp(dir .. "/cc.err")
    local status, out, err = host("-e " .. q("local p = require 'probe' print(p.add(2, 40), p.describe({1, 2, 3}))" ..
      " print(pcall(p.add, 'x'))"), nil, "LUA_CPATH_5_4=" .. q(dir .. "/?.so") .. " ")
    os.execute("rm -rf " .. q(dir))
    assert.is_true(ok, cc_err)
    assert.are.equal(0, status, err)
    assert.are.equal("42\ttable:3\nfalse\tbad argument #1 to 'probe.add' (number expected, got string)\n", out)
  end)

  it("adds no globals", function()
    need_bin()
    local code = q("local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) print(table.concat(t, ' '))")
    local status, out = host("-e " .. code)
    assert.are.equal(0, status)
    local p = io.popen("lua5.4 -e " .. code)
    local expected = p:read("a")
    p:close()
    assert.are.equal(expected, out)
  end)

  it("exits 1 when the script cannot be opened, as lua does", function()
    need_bin()
    local status, out, err = host(q("/nonexistent/script.lua"))
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.truthy(err:find("/nonexistent/script.lua", 1, true), err)
  end)

  it("exits 0 when the script ends normally", function()
    need_bin()
    local status = host(q(script("local trio = require 'ltrio'\ntrio.sleep(0.001)\n")))
    assert.are.equal(0, status)
  end)

  it("exits 1 on an uncaught error, printing it, the task name and a traceback on stderr", function()
    need_bin()
    local status, out, err = host("-e " .. q("error('boom')"))
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.truthy(err:find("boom", 1, true), err)
    assert.truthy(err:find("main", 1, true), err)
    assert.truthy(err:find("traceback", 1, true), err)
  end)

  it("shows the script as the main chunk in a traceback, without the host's own frames", function()
    need_bin()
    local s = script("local function f() error('deep') end\nf()\n")
    local status, _, err = host(q(s))
    assert.are.equal(1, status)
    local base = s:match("[^/]+$")
    assert.truthy(err:find(base .. ":1: in local 'f'\n", 1, true), err)
    assert.truthy(err:find(base .. ":2: in main chunk\n\t%[C%]: in %?\n$"), err)
    assert.is_nil(err:find("(host)", 1, true), err)
    assert.is_nil(err:find("upvalue 'call'", 1, true), err)
    status, _, err = host("-e " .. q("error('from -e')"))
    assert.are.equal(1, status)
    assert.truthy(err:find("(command line):1: in main chunk", 1, true), err)
  end)

  it("reports a failing child task by its source:line name with tostring(err)", function()
    need_bin()
    local s = script(table.concat({
      "local trio = require 'ltrio'",
      "trio.open_nursery(function(nursery)",
      "  nursery:start_soon(function()",   -- line 3: the child's name
      "    trio.sleep(0)",
      "    trio.sleep(-1)",
      "  end)",
      "end)",
    }, "\n") .. "\n")
    local status, out, err = host(q(s))
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.truthy(err:find("ValueError: trio.sleep: bad argument #1 'seconds'", 1, true), err)
    local base = s:match("[^/]+$")
    assert.truthy(err:find(base .. ":3", 1, true), "no task name in: " .. err)
    assert.truthy(err:find("traceback", 1, true), err)
    assert.truthy(err:find(base .. ":5", 1, true), "no raising line in: " .. err)
  end)

  it("reports errors tostring cannot show, and nil, with the task and traceback; never aborts", function()
    need_bin()
    for _, code in ipairs {
      "error(setmetatable({}, { __tostring = error }))",            -- raises a non-string
      "error(setmetatable({}, { __tostring = function() return {} end }))",
      "error(setmetatable({}, { __tostring = function(e) return e.a.b end }))",
      "error(nil)",
      "error({ type = 'KeyboardInterrupt' })",                      -- a plain table, not the class
    } do
      local status, out, err = host("-e " .. q(code))
      assert.are.equal(1, status, code .. "\n" .. err)
      assert.are.equal("", out)
      assert.truthy(err:find("^ltrio: %(") and err:find("value%)\n") or err:find("tostring cannot show", 1, true),
        code .. "\n" .. err)
      assert.truthy(err:find("task 'main'", 1, true), code .. "\n" .. err)
      assert.truthy(err:find("traceback", 1, true), code .. "\n" .. err)
    end
  end)

  it("prints each error of an uncaught ErrorGroup that has a traceback, with it", function()
    need_bin()
    local s = script(table.concat({
      "local trio = require 'ltrio'",
      "trio.open_nursery(function(n)",
      "  n:start_soon(function() trio.CancelScope { shield = true }:run(trio.sleep, 0.01)",
      "    error(trio.ValueError('first')) end)",                                  -- line 4
      "  n:start_soon(function() trio.CancelScope { shield = true }:run(trio.sleep, 0.02)",
      "    error(trio.TypeError('second')) end)",                                  -- line 6
      "end)",
    }, "\n") .. "\n")
    local status, _, err = host(q(s))
    assert.are.equal(1, status)
    local base = s:match("[^/]+$")
    local one = err:find("error 1 of 2: ValueError: first", 1, true)
    local two = err:find("error 2 of 2: TypeError: second", 1, true)
    assert.truthy(one and two and one < two, err)
    assert.truthy(err:find(base .. ":4", one, true), err)
    assert.truthy(err:find(base .. ":6", two, true), err)
  end)

  it("reports where a string error was raised, not where an equal one was caught before", function()
    need_bin()
    local s = script(table.concat({
      "local trio = require 'ltrio'",
      "trio.pcall(trio.move_on_after, 1, error, 'boom', 0)",  -- raised and handled
      "error('boom', 0)",                                     -- line 3: the failure
    }, "\n") .. "\n")
    local status, _, err = host(q(s))
    assert.are.equal(1, status)
    local base = s:match("[^/]+$")
    assert.truthy(err:find(base .. ":3", 1, true), err)
    assert.falsy(err:find(base .. ":2", 1, true), err)
  end)

  it("a nested trio.run raises RuntimeError saying the script already is the main task", function()
    need_bin()
    local status, out, err = host("-e " .. q("local trio = require 'ltrio'; trio.run(function() print('ran') end)"))
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.truthy(err:find("RuntimeError", 1, true), err)
    assert.truthy(err:find("main task", 1, true), err)
    assert.truthy(err:find("main()", 1, true), err)
  end)

  it("trio.run_with raises RuntimeError saying the host's run has the real clock", function()
    need_bin()
    local status, out, err = host("-e " .. q("local trio = require 'ltrio'; " ..
      "trio.run_with({clock = trio.testing.MockClock()}, function() print('ran') end)"))
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.truthy(err:find("RuntimeError: trio.run_with: the script already is the main task of a run, " ..
      "on the real clock and without instruments; run it with lua5.4", 1, true), err)
  end)
end)

describe("ltrio (host binary) Ctrl-C", function()
  teardown(function()
    h.remove_tmpfiles()
  end)

  -- The script prints "ready <pid>" once every task sleeps; the spec sends SIGINT
  -- and reads the shell's report of the exit status. No sleep is used to sync.
  local function interrupt(mode)
    need_bin()
    h.skip_unless(os.execute("env --default-signal=INT true >/dev/null 2>&1"),
      "env --default-signal is unavailable")
    local s = script(([[
      local trio = require "ltrio"
      local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
      trio.open_nursery(function(nursery)
        nursery:start_soon(function()
          local c <close> = setmetatable({}, { __close = function(_, e)
            io.stderr:write("child closed by ", tostring(e and e.type), "\n")
          end })
          trio.sleep(30)
        end)
        local c <close> = setmetatable({}, { __close = function(_, e)
          io.stderr:write("main closed by ", tostring(e and e.type), "\n")
        end })
        trio.testing.wait_all_tasks_blocked()
        io.stdout:write("ready ", pid, "\n")
        io.stdout:flush()
        local mode = %q
        if mode == "shielded" then
          trio.CancelScope { shield = true }:run(trio.sleep, 30)
        elseif mode == "pcall" then
          trio.pcall(trio.sleep, 30)
          io.stdout:write("trio.pcall swallowed it\n")
        else
          trio.sleep(30)
        end
        io.stdout:write("not interrupted\n")
      end)
    ]]):format(mode))
    local err = tmp()
    local p = io.popen("env --default-signal=INT timeout 60 " .. q(BIN) .. " " .. q(s) ..
      " </dev/null 2>" .. q(err) .. "; echo status=$?")
    local first = p:read("l")
    local pid = first and first:match("^ready (%d+)$")
    assert.truthy(pid, "unexpected first line: " .. tostring(first))
    assert(os.execute("kill -INT " .. pid))
    local rest = p:read("a")
    p:close()
    local stderr = slurp(err)
    assert.are.equal("status=130\n", rest, stderr)
    assert.truthy(stderr:find("main closed by KeyboardInterrupt", 1, true), stderr)
    assert.truthy(stderr:find("child closed by Cancelled", 1, true), stderr)
  end

  it("raises KeyboardInterrupt in the main task, runs <close> everywhere and exits 130", function()
    interrupt("plain")
  end)

  it("aborts a shielded wait too", function()
    interrupt("shielded")
  end)

  it("is not caught by trio.pcall", function()
    interrupt("pcall")
  end)

  -- Runs the host on 'code', which prints "ready PID" and then spins, and sends it two
  -- Ctrl-C; returns the shell's "status=N" line and the host's stderr.
  local function two_ctrl_c(code)
    need_bin()
    h.skip_unless(os.execute("env --default-signal=INT true >/dev/null 2>&1"),
      "env --default-signal is unavailable")
    local err = tmp()
    local p, pid = h.start_host(script(code), err)
    assert(os.execute("kill -INT " .. pid))
    while h.sigint_pending(pid) do end          -- the first Ctrl-C was delivered
    os.execute("kill -INT " .. pid .. " 2>/dev/null")
    local rest = p:read("a")
    p:close()
    return rest, slurp(err)
  end

  it("a second Ctrl-C interrupts a task spinning in Lua code", function()
    local rest, stderr = two_ctrl_c([[
      local trio = require "ltrio"
      local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
      local c <close> = setmetatable({}, { __close = function() io.stderr:write("main closed\n") end })
      io.stdout:write("ready ", pid, "\n")
      io.stdout:flush()
      local x = 0
      while true do x = x + 1 end
    ]])
    assert.are_not.equal("status=124\n", rest, "still spinning after two Ctrl-C")
    assert.are.equal("status=130\n", rest, stderr)
    assert.truthy(stderr:find("main closed", 1, true), stderr)
  end)

  it("two Ctrl-C in a nursery body that spins raise one KeyboardInterrupt, status 130", function()
    local rest, stderr = two_ctrl_c([[
      local trio = require "ltrio"
      local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
      trio.open_nursery(function(nursery)
        nursery:start_soon(trio.sleep_forever)
        local c <close> = setmetatable({}, { __close = function(_, e)
          trio.sleep(0)   -- a checkpoint while the interrupt unwinds: no second one
          io.stderr:write("body closed by ", tostring(e and e.type), "\n")
        end })
        trio.testing.wait_all_tasks_blocked()
        io.stdout:write("ready ", pid, "\n")
        io.stdout:flush()
        local x = 0
        while true do x = x + 1 end
      end)
    ]])
    assert.are.equal("status=130\n", rest, stderr)
    assert.truthy(stderr:find("body closed by KeyboardInterrupt", 1, true), stderr)
    assert.falsy(stderr:find("ErrorGroup", 1, true), stderr)
  end)
end)

describe("Ctrl-C under plain lua5.4 with the module", function()
  teardown(function()
    h.remove_tmpfiles()
  end)

  local LUAENV = "LUA_PATH=" .. q(h.build .. "/lua/?.lua;" .. h.build .. "/lua/?/init.lua;;") ..
    " LUA_CPATH=" .. q(h.build .. "/lua/?.so;;") .. " "

  local function need_env()
    h.skip_unless(os.execute("env --default-signal=INT true >/dev/null 2>&1"),
      "env --default-signal is unavailable")
    h.skip_unless(exists(h.build .. "/lua/ltrio/init.lua"), "build/lua is missing (run make)")
  end

  it("trio.run raises KeyboardInterrupt, and the previous handler is back afterwards", function()
    need_env()
    local s = script([[
      local trio = require "ltrio"
      local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
      local ok, e = pcall(trio.run, function()
        io.stdout:write("ready ", pid, "\n")
        io.stdout:flush()
        trio.sleep(30)
      end)
      io.stdout:write(tostring(ok), " ", tostring(trio.iserror(e, "KeyboardInterrupt")), "\n")
      io.stdout:write("after\n")
      io.stdout:flush()
      local x = 0
      while true do x = x + 1 end   -- lua's own handler stops this
    ]])
    local err = tmp()
    local p = io.popen("env --default-signal=INT " .. LUAENV .. "timeout 60 lua5.4 " .. q(s) ..
      " </dev/null 2>" .. q(err) .. "; echo status=$?")
    local pid = (p:read("l") or ""):match("^ready (%d+)$")
    assert.truthy(pid)
    assert(os.execute("kill -INT " .. pid))
    local second = p:read("l")
    assert.are.equal("false true", second, slurp(err))
    assert.are.equal("after", p:read("l"))
    os.execute("kill -INT " .. pid .. " 2>/dev/null")
    local rest = p:read("a")
    p:close()
    local stderr = slurp(err)
    assert.are.equal("status=1\n", rest, stderr)
    assert.truthy(stderr:find("interrupted", 1, true), stderr)
  end)

  -- Runs 'body' (Lua source run as trio.run's function; it prints "ready" when it may be
  -- interrupted), sends one Ctrl-C, and returns what the script printed after it.
  local function interrupted_run(body)
    need_env()
    local s = script([[
      local trio = require "ltrio"
      local f = io.open("/proc/self/stat"); local pid = f:read("n"); f:close()
      local function ready() io.stdout:write("ready ", pid, "\n"); io.stdout:flush() end
      local ok, e = pcall(trio.run, function() ]] .. body .. [[ end)
      local names = {}
      for i, x in ipairs(e.errors or { e }) do
        names[i] = trio.iserror(x, "KeyboardInterrupt") and "KI" or x.message
      end
      io.stdout:write(tostring(ok), " ", table.concat(names, ", "), "\n")
    ]])
    local err = tmp()
    local p = io.popen("env --default-signal=INT " .. LUAENV .. "timeout 60 lua5.4 " .. q(s) ..
      " </dev/null 2>" .. q(err) .. "; echo status=$?")
    local pid = (p:read("l") or ""):match("^ready (%d+)$")
    assert.truthy(pid, slurp(err))
    assert(os.execute("kill -INT " .. pid))
    local rest = p:read("a")
    p:close()
    return rest, slurp(err)
  end

  it("Ctrl-C at a nursery's end joins the children's errors in the order they came (as Trio)", function()
    local rest, err = interrupted_run([[
      trio.open_nursery(function(n)
        n:start_soon(function() error(trio.ValueError("early"), 0) end)
        n:start_soon(function()
          trio.CancelScope { shield = true }:run(trio.sleep, 1)
          error(trio.ValueError("late"), 0)
        end)
        trio.CancelScope { shield = true }:run(trio.testing.wait_all_tasks_blocked)
        ready()
      end)  -- Ctrl-C comes while the body waits here for the children
    ]])
    assert.are.equal("false early, KI, late\nstatus=0\n", rest, err)
  end)

  it("Ctrl-C after the main task ended ends what its coroutine.close left running", function()
    local rest, err = interrupted_run([[
      local main = coroutine.running()
      trio.open_nursery(function(m)
        m:start_soon(function() trio.CancelScope { shield = true }:run(trio.sleep_forever) end)
        m:start_soon(function()
          trio.testing.wait_all_tasks_blocked()
          coroutine.close(main)
          -- main wakes with its coroutine closed and ends; its nursery is cancelled
          trio.CancelScope { shield = true }:run(trio.sleep, 0.05)
          ready()
        end)
        trio.sleep(0.01)
      end)]])
    assert.are.equal("false KI\nstatus=0\n", rest, err)
  end)

  it("a run leaves an ignored SIGINT ignored (host binary)", function()
    need_env()
    need_bin()
    h.skip_unless(os.execute("env --ignore-signal=INT true >/dev/null 2>&1"),
      "env --ignore-signal is unavailable")
    local s = script([[
      local trio = require "ltrio"
      local function ignored()
        local f = io.open("/proc/self/status"); local st = f:read("a"); f:close()
        return (tonumber(st:match("SigIgn:%s*(%x+)"):sub(-1), 16) & 2) ~= 0
      end
      trio.sleep(0)
      print(ignored())
    ]])
    local out = tmp()
    local status = os.execute("timeout 60 env --ignore-signal=INT " .. q(BIN) .. " " .. q(s) ..
      " </dev/null >" .. q(out) .. " 2>&1")
    assert.is_true(status == true or status == 0)
    assert.are.equal("true\n", slurp(out))
  end)
end)

describe("the Lua module (lua/ltrio/core.so)", function()
  it("exports luaopen_ltrio_core and none of its internal functions", function()
    local so = h.build .. "/lua/ltrio/core.so"
    h.skip_unless(exists(so), so .. " is missing (run make)")
    h.skip_unless(os.execute("command -v nm >/dev/null 2>&1"), "no nm (binutils)")
    local p = io.popen("nm -D --defined-only " .. q(so))
    local names = {}
    for line in p:lines() do names[#names + 1] = line:match("(%S+)$") end
    p:close()
    local exported, internal = false, {}
    for _, name in ipairs(names) do
      if name == "luaopen_ltrio_core" then exported = true end
      if name:match("^lt?_") then internal[#internal + 1] = name end
    end
    assert.is_true(exported, "luaopen_ltrio_core is not exported")
    assert.are.same({}, internal)
  end)
end)
