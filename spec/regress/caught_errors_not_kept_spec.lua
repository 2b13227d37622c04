-- Errors raised and caught inside cancel scopes are not kept alive by the record of
-- where errors were raised, and a nil error stays nil through the message handler.
local h = require "spec.helper"
local trio = require "ltrio"

describe("errors caught inside cancel scopes", function()
  it("are collected: memory does not grow with the number of errors", h.async(function()
    local function fail_many(n)
      for i = 1, n do
        trio.pcall(trio.move_on_after, 10, function() error(trio.ValueError("e" .. i)) end)
      end
    end
    -- Warm-up at full size: tables and pools reach their steady size (the weak record
    -- of error origins keeps the capacity it needed between two collections, which
    -- depends on the heap earlier specs left).
    fail_many(20000)
    collectgarbage() collectgarbage()
    local before = collectgarbage("count")
    fail_many(20000)
    collectgarbage() collectgarbage()
    assert.is_true(collectgarbage("count") - before < 100,
      ("Lua memory grew by %.0f KiB"):format(collectgarbage("count") - before))
  end))

  it("keep a nil error nil", h.async(function()
    local ok, err = pcall(trio.move_on_after, 10, function() error(nil) end)
    assert.is_false(ok)
    assert.is_nil(err)
  end))
end)
