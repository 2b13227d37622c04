-- nursery_demo.lua - nurseries, deadlines and cancellation in five steps.
-- usage: build/ltrio scripts/nursery_demo.lua
-- The host runs this file as the main task of a run, so top-level code calls async
-- functions (trio.sleep, trio.open_nursery, ...) directly.
local trio = require "ltrio"

if #arg > 0 then
  io.stderr:write("usage: nursery_demo.lua  (no arguments)\n")
  os.exit(2)
end

local t0 = trio.current_time()
local function say(fmt, ...)
  print(("[%4.2fs] " .. fmt):format(trio.current_time() - t0, ...))
end

-- A value whose <close> runs 'fn': cleanup that runs however the scope is left.
local function defer(fn)
  return setmetatable({}, { __close = fn })
end

-- 1. A nursery runs its children concurrently and returns once all have finished.
say("1. nursery: three workers sleep 0.3, 0.1 and 0.2 s")
trio.open_nursery(function(nursery)
  for i, delay in ipairs { 0.3, 0.1, 0.2 } do
    nursery:start_soon(function()
      trio.sleep(delay)
      say("   worker %d done", i)
    end)
  end
end)
say("   the nursery returned after the slowest worker")

-- 2. move_on_after: a deadline that quietly stops the work.
local cs = trio.move_on_after(0.2, function()
  say("2. move_on_after(0.2): sleeping 10 s")
  trio.sleep(10)
  say("   (never printed)")
end)
say("   moved on; cancelled_caught = %s", tostring(cs.cancelled_caught))

-- 3. fail_after: a deadline that raises TooSlowError. trio.pcall catches errors but lets
-- Cancelled and KeyboardInterrupt through (plain pcall would swallow them).
say("3. fail_after(0.2): sleeping 10 s")
local ok, err = trio.pcall(trio.fail_after, 0.2, function()
  trio.sleep(10)
end)
say("   ok = %s, error = %s", tostring(ok), tostring(err))
assert(not ok and trio.iserror(err, "TooSlowError"))

-- 4. Cancelling a nursery's scope cancels every child; each one unwinds through its
-- <close> variables.
say("4. cancellation: three children sleep forever, a fourth cancels them")
trio.open_nursery(function(nursery)
  for i = 1, 3 do
    nursery:start_soon(function()
      local _ <close> = defer(function() say("   child %d cleaned up", i) end)
      trio.sleep_forever()
    end)
  end
  nursery:start_soon(function()
    trio.sleep(0.1)
    say("   cancelling the nursery")
    nursery.cancel_scope:cancel()
  end)
end)
say("   the nursery returned: its scope caught the cancellation")

-- 5. A failing child cancels its siblings, and its error comes out of open_nursery.
say("5. a child fails while its sibling sleeps forever")
local ok2, err2 = trio.pcall(trio.open_nursery, function(nursery)
  nursery:start_soon(function()
    local _ <close> = defer(function() say("   sibling cancelled") end)
    trio.sleep_forever()
  end)
  nursery:start_soon(function()
    trio.sleep(0.05)
    error("worker failed", 0)
  end)
end)
say("   ok = %s, error = %s", tostring(ok2), tostring(err2))
say("done")
