-- Regression (issue 6, found by the bad input sweep): metamethods of C classes called
-- directly with something other than their object (getmetatable(x).__gc(nil),
-- __tostring(nil), __index(nil, k)) read the argument as their userdata and crashed
-- the process (NULL or foreign memory). They now check it; these calls must raise or
-- return, and the objects keep working.
local h = require "spec.helper"
local trio = h.trio
local S = trio.socket

-- Each wrong 'self' for metamethod 'mm' of the object's metatable: no crash; an error
-- is allowed (metamethods raise Lua's own argument errors).
local function poke(obj, names, mt)
  mt = mt or getmetatable(obj)
  local wrong = { nil, 1, "x", {}, trio.Buffer(1), true }
  for _, name in ipairs(names) do
    local f = rawget(mt, name)
    assert.is_function(f, name)
    for i = 1, 6 do
      pcall(f, wrong[i], "family")
    end
  end
end

describe("metamethods called with a wrong self", function()
  it("socket __gc, __index, __tostring, __close, __eq", h.async(function()
    local s <close> = S.socket()
    poke(s, { "__gc", "__tostring", "__close", "__newindex", "__eq" })
    -- a socket's own metatable has a table __index; the class metatable, which
    -- serves the sockets of kinds past the table's capacity, has the function
    poke(s, { "__gc", "__index", "__tostring", "__close", "__newindex", "__eq" }, debug.getregistry()["ltrio.socket"])
    assert.are.equal(S.AF_INET, s.family)        -- the object itself is untouched
    assert.is_true(s:fileno() >= 0)
  end))

  it("address __tostring", h.async(function()
    local s <close> = S.socket()
    s:bind({ "127.0.0.1", 0 })
    local addr = s:getsockname()
    poke(addr, { "__tostring", "__eq" })
    assert.matches("^127%.0%.0%.1:%d+$", tostring(addr))
  end))

  it("CancelScope __index, __newindex, __tostring", h.async(function()
    local cs = trio.CancelScope()
    poke(cs, { "__index", "__newindex", "__tostring" })
    assert.is_false(cs.cancel_called)
  end))

  it("Task __index, __tostring", h.async(function()
    local task = trio.lowlevel.current_task()
    poke(task, { "__index", "__tostring" })
    assert.are.equal("main", task.name)
  end))

  it("Nursery __index", h.async(function()
    trio.open_nursery(function(nursery)
      poke(nursery, { "__index" })
      assert.is_not_nil(nursery.cancel_scope)
    end)
  end))
end)
