-- trio.run and trio.run_with (API.md §1).
local h = require "spec.helper"
local trio = require "ltrio"

describe("trio.run", function()
  it("returns fn's results, nils included", function()
    local r = table.pack(h.checked(trio.run, function() return 1, nil, "x", nil end))
    assert.are.same({ 1, nil, "x", nil, n = 4 }, r)
    assert.are.equal(0, select("#", h.checked(trio.run, function() end)))
  end)

  it("passes the arguments to fn", function()
    local got = table.pack(h.checked(trio.run, function(...) return ... end, "a", nil, 3))
    assert.are.same({ "a", nil, 3, n = 3 }, got)
  end)

  it("runs fn as a task that may checkpoint and block", function()
    local v = h.checked(trio.run, function()
      trio.sleep(0)
      trio.sleep(0.001)
      return "done"
    end)
    assert.are.equal("done", v)
  end)

  it("re-raises fn's error value unchanged", function()
    local e = {}
    local ok, got = pcall(trio.run, function() error(e) end)
    assert.is_false(ok)
    assert.are.equal(e, got)
    assert.is_nil(rawget(e, "traceback"))
    local ok2, got2 = pcall(trio.run, function() error("plain", 0) end)
    assert.is_false(ok2)
    assert.are.equal("plain", got2)
    local ok3, got3 = pcall(trio.run, function() error(42) end)
    assert.is_false(ok3)
    assert.are.equal(42, got3)
  end)

  it("gives an ltrio error escaping the main task a traceback", function()
    local line
    local ok, err = pcall(trio.run, function()
      line = debug.getinfo(1, "l").currentline + 1
      trio.sleep(-1)
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "ValueError"))
    assert.are.equal("string", type(err.traceback))
    assert.truthy(err.traceback:find("run_spec.lua:" .. line, 1, true), err.traceback)
  end)

  it("re-raises only after every task has finished", function()
    local closed = 0
    local snapshot = h.snapshot()
    local ok, err = pcall(trio.run, function()
      trio.open_nursery(function(nursery)
        for _ = 1, 3 do
          nursery:start_soon(function()
            local c <close> = setmetatable({}, { __close = function()
              trio.CancelScope { shield = true }:run(trio.sleep, 0)
              closed = closed + 1
            end })
            trio.sleep_forever()
          end)
        end
        trio.testing.wait_all_tasks_blocked()
        error("main failed", 0)
      end)
    end)
    assert.is_false(ok)
    assert.are.equal("main failed", err)
    assert.are.equal(3, closed)
    h.check_leaks(snapshot)
  end)

  it("accepts any callable", function()
    local callable = setmetatable({}, { __call = function(self, a) return self, a end })
    local s, a = h.checked(trio.run, callable, 5)
    assert.are.equal(callable, s)
    assert.are.equal(5, a)
  end)

  it("can run again after a run, and after a failed run", function()
    for i = 1, 3 do
      assert.are.equal(i, h.checked(trio.run, function() trio.sleep(0); return i end))
      assert.is_false(pcall(trio.run, function() trio.sleep(0); error("x") end))
    end
  end)

  it("the clock of each run is its own: a MockClock run starts at 0 after a real one", function()
    local real = h.checked(trio.run, trio.current_time)
    local mock = h.checked(trio.run_with, { clock = trio.testing.MockClock() }, trio.current_time)
    assert.are.equal(0, mock)
    assert.are.equal("float", math.type(real))
  end)
end)

describe("Ctrl-C in the main task's last step", function()
  -- Sends SIGINT to this process and returns once it is pending (kill(2) has returned).
  local function ctrl_c()
    local stat = io.open("/proc/self/stat")
    local pid = stat:read("n")
    stat:close()
    assert(io.popen("kill -INT " .. pid):close())
  end

  it("is not lost: the run raises KeyboardInterrupt (as Trio)", function()
    local ok, err = pcall(trio.run, function() ctrl_c(); return "returned" end)
    assert.is_false(ok, "trio.run returned " .. tostring(err))
    assert.is_true(trio.iserror(err, "KeyboardInterrupt"), tostring(err))
  end)

  it("is not lost when it comes in a child's last step and the main task then ends", function()
    local ok, err = pcall(trio.run, function()
      trio.open_nursery(function(nursery) nursery:start_soon(ctrl_c) end)
      return "returned"
    end)
    assert.is_false(ok, "trio.run returned " .. tostring(err))
    assert.is_true(trio.iserror(err, "KeyboardInterrupt"), tostring(err))
  end)

  it("is raised by checkpoint_if_cancelled before the loop's next turn (as Trio)", function()
    local reached = false
    local ok, err = pcall(trio.run, function()
      ctrl_c()
      trio.checkpoint_if_cancelled()
      reached = true
    end)
    assert.is_false(ok)
    assert.is_true(trio.iserror(err, "KeyboardInterrupt"), tostring(err))
    assert.is_false(reached)
  end)
end)

describe("trio.run_with", function()
  it("with an empty option table is trio.run", function()
    local r = table.pack(h.checked(trio.run_with, {}, function(a, b) trio.sleep(0); return b, a end, 1, 2))
    assert.are.same({ 2, 1, n = 2 }, r)
  end)

  it("uses opts.clock for current_time and deadlines", function()
    local clock = trio.testing.MockClock { autojump_threshold = 0 }
    local t = h.checked(trio.run_with, { clock = clock }, function()
      trio.sleep(3600)
      return trio.current_time()
    end)
    assert.are.equal(3600, t)
  end)

  it("re-raises fn's error", function()
    local e = {}
    local ok, got = pcall(trio.run_with, {}, function() error(e) end)
    assert.is_false(ok)
    assert.are.equal(e, got)
  end)
end)
