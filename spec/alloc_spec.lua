-- spec/alloc_spec.lua - allocation failure: a Lua state whose allocator fails on the
-- Nth allocation (spec/support/alloc_driver.c, built here with cc), N swept over every
-- allocation of a snippet that loads ltrio and runs a nursery, sockets and a channel.
-- Each N must end in a Lua error (or success), never a crash or an abort.
local h = require "spec.helper"

local SNIPPET = [[
local trio = require "ltrio"
trio.run(function()
  local tx, rx = trio.open_memory_channel(4)
  trio.open_nursery(function(nursery)
    nursery:start_soon(function()
      for i = 1, 3 do tx:send(i) end
      tx:close()
    end)
    local a, b = trio.socket.socketpair()
    a:send("hello")
    assert(b:recv(16) == "hello")
    a:close(); b:close()
    for _ in rx:iter() do end
  end)
end)
]]

local q = h.q

local dir, driver, snippet

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo status=$?")
  local out = p:read("a")
  p:close()
  local status = tonumber(out:match("status=(%d+)\n$"))
  return out:gsub("status=%d+\n$", ""), status
end

local function setup_driver()
  if driver then return end
  h.skip_unless(os.execute("command -v cc >/dev/null 2>&1"), "no C compiler (cc)")
  dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. q(dir)))
  driver = dir .. "/alloc_driver"
  local out, st = sh("cc -O1 -g -o " .. q(driver) .. " " .. q(h.root .. "/spec/support/alloc_driver.c") ..
    " $(pkg-config --cflags --libs lua5.4)")
  assert.are.equal(0, st, "building the driver failed:\n" .. out)
  snippet = dir .. "/snippet.lua"
  local f = assert(io.open(snippet, "w"))
  f:write(SNIPPET)
  f:close()
end

describe("allocation failure", function()
  teardown(function()
    if dir then os.execute("rm -rf " .. q(dir)) end
  end)

  it("the snippet succeeds with an allocator that never fails", function()
    setup_driver()
    local out, st = sh(q(driver) .. " count " .. q(snippet))
    assert.are.equal(0, st, out)
    assert.matches("^%d+ ok\n$", out)
  end)

  it("a second Lua state loading ltrio after the first one closed runs tasks", function()
    -- the idle-thread pool of a closed state was reused by the next one (a crash)
    setup_driver()
    local out, st = sh(q(driver) .. " sweep " .. q(snippet) .. " 1000000000 1000000002 1")
    assert.are.equal(0, st, out)
    assert.are.equal("1000000000 ok\n1000000001 ok\n1000000002 ok\ndone\n", out)
  end)

  it("failing the Nth allocation, for every N, is a Lua error, never a crash", function()
    setup_driver()
    local out, st = sh(q(driver) .. " count " .. q(snippet))
    local total = tonumber(out:match("^(%d+) ok"))
    assert.truthy(total, out)
    out, st = sh("timeout 300 " .. q(driver) .. " sweep " .. q(snippet) .. " 0 " .. (total + 5) .. " 1")
    local last = out:match("(%d+) [^\n]*\n$") or "?"
    assert.are.equal(0, st, "the driver died (status " .. tostring(st) .. ") after N = " .. last ..
      ":\n" .. out:sub(-2000))
    local counts, bad = {}, {}
    for n, kind, rest in out:gmatch("(%d+) (%a+)([^\n]*)\n") do
      counts[kind] = (counts[kind] or 0) + 1
      if kind ~= "ok" and kind ~= "memerr" and kind ~= "error" then
        bad[#bad + 1] = n .. " " .. kind .. rest
      end
    end
    assert.truthy(out:find("\ndone\n$"), out:sub(-2000))
    assert.are.same({}, bad)
    assert.is_true((counts.memerr or 0) + (counts.error or 0) > total / 2, out:sub(-2000))
    -- every N gave a verdict (the allocation count varies a little from run to run with
    -- hash seeds and GC timing, so the last few N may or may not reach success)
    assert.are.equal(total + 6, (counts.ok or 0) + (counts.memerr or 0) + (counts.error or 0))
  end)
end)
