-- Memory channels (API.md §4; TRIO-SEMANTICS §3.5, §5 item 96).
local h = require "spec.helper"
local trio = require "ltrio"

describe("trio.open_memory_channel", function()
  it("with size 0, send waits for a receiver (rendezvous)", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    assert.is_true(h.blocks(tx.send, tx, "v"))
    h.raises("WouldBlock", rx.receive_nowait, rx)   -- the cancelled send left nothing
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() got = rx:receive() end)
      tx:send("v")
    end)
    assert.are.equal("v", got)
    tx:close(); rx:close()
  end))

  it("with size 0, a send returns once the receiver has the value", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local sent = false
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        tx:send(1)
        sent = true
      end)
      trio.testing.wait_all_tasks_blocked()
      assert.is_false(sent)
      got = rx:receive()
    end)
    assert.are.equal(1, got)
    assert.is_true(sent)
    tx:close(); rx:close()
  end))

  it("send_nowait raises WouldBlock when full, and hands a value to a waiting receiver", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    h.raises("WouldBlock", tx.send_nowait, tx, 1)
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() got = rx:receive() end)
      trio.testing.wait_all_tasks_blocked()
      tx:send_nowait(2)
    end)
    assert.are.equal(2, got)
    tx:close(); rx:close()
  end))

  it("receive_nowait takes the value of a blocked sender", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local sent = false
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() tx:send("from sender"); sent = true end)
      trio.testing.wait_all_tasks_blocked()
      assert.are.equal("from sender", rx:receive_nowait())
    end)
    assert.is_true(sent)
    tx:close(); rx:close()
  end))

  it("buffers up to max_buffer values, in order", h.async(function()
    local tx, rx = trio.open_memory_channel(3)
    for i = 1, 3 do tx:send_nowait(i) end
    h.raises("WouldBlock", tx.send_nowait, tx, 4)
    assert.is_true(h.blocks(tx.send, tx, 4))
    for i = 1, 3 do assert.are.equal(i, rx:receive_nowait()) end
    h.raises("WouldBlock", rx.receive_nowait, rx)
    tx:close(); rx:close()
  end))

  it("with math.huge never blocks a sender", h.async(function()
    local tx, rx = trio.open_memory_channel(math.huge)
    for i = 1, 1000 do tx:send_nowait(i) end
    assert.is_false(h.blocks(tx.send, tx, 1001))
    local sum = 0
    for _ = 1, 1001 do sum = sum + rx:receive_nowait() end
    assert.are.equal(1001 * 1002 // 2, sum)
    tx:close(); rx:close()
  end))

  it("receive blocks until a value arrives", h.async(function()
    local tx, rx = trio.open_memory_channel(1)
    assert.is_true(h.blocks(rx.receive, rx))
    tx:send_nowait("x")
    assert.is_false(h.blocks(rx.receive, rx))
    tx:close(); rx:close()
  end))

  it("carries false and tables as they are; nil is ValueError", h.async(function()
    local tx, rx = trio.open_memory_channel(4)
    local t = {}
    tx:send(false)
    tx:send_nowait(t)
    assert.are.equal(false, rx:receive())
    assert.are.equal(t, rx:receive())
    h.raises("ValueError", tx.send, tx, nil)
    h.raises("ValueError", tx.send_nowait, tx, nil)
    h.raises("ValueError", tx.send, tx)
    h.raises("WouldBlock", rx.receive_nowait, rx)
    tx:close(); rx:close()
  end))

  it("a cancelled receive takes nothing; a cancelled send sends nothing", h.async(function()
    local tx, rx = trio.open_memory_channel(1)
    tx:send_nowait("kept")
    local cs = trio.CancelScope()
    cs:run(function() cs:cancel(); rx:receive() end)
    assert.is_true(cs.cancelled_caught)
    assert.are.equal("kept", rx:receive_nowait())
    local cs2 = trio.CancelScope()
    cs2:run(function() cs2:cancel(); tx:send("lost") end)
    assert.is_true(cs2.cancelled_caught)
    h.raises("WouldBlock", rx.receive_nowait, rx)
    tx:close(); rx:close()
  end))

  it("the sync methods work outside a run", function()
    local tx, rx = trio.open_memory_channel(2)
    tx:send_nowait("a")
    local tx2 = tx:clone()
    tx2:send_nowait("b")
    assert.are.equal("a", rx:receive_nowait())
    assert.are.equal("b", rx:receive_nowait())
    tx:close(); tx2:close()
    h.raises("EndOfChannel", rx.receive_nowait, rx)
    rx:close()
  end)

  it("rejects a bad max_buffer", function()
    h.raises("ValueError", trio.open_memory_channel, -1)
    assert.matches("got 1.5", h.raises("TypeError", trio.open_memory_channel, 1.5).message, 1, true)
    assert.matches("got nan", h.raises("TypeError", trio.open_memory_channel, 0 / 0).message, 1, true)
    h.raises("TypeError", trio.open_memory_channel, "1")
    h.raises("TypeError", trio.open_memory_channel)
    assert.is_true((pcall(trio.open_memory_channel, 2.0)))
  end)
end)

describe("memory channel statistics()", function()
  it("gives the same numbers from either end", h.async(function()
    local tx, rx = trio.open_memory_channel(1)
    local function stats(ch)
      local st = ch:statistics()
      return { st.current_buffer_used, st.max_buffer_size, st.open_send_channels,
               st.open_receive_channels, st.tasks_waiting_send, st.tasks_waiting_receive }
    end
    assert.are.same({ 0, 1, 1, 1, 0, 0 }, stats(tx))
    trio.open_nursery(function(nursery)
      local tx2 = tx:clone()
      tx:send("a")
      nursery:start_soon(tx.send, tx, "b")
      nursery:start_soon(tx2.send, tx2, "c")
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({ 1, 1, 2, 1, 2, 0 }, stats(rx))
      assert.are.same(stats(rx), stats(tx2))
      for _, want in ipairs { "a", "b", "c" } do assert.are.equal(want, rx:receive()) end
      tx2:close()
      nursery:start_soon(rx.receive, rx)
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({ 0, 1, 1, 1, 0, 1 }, stats(tx))
      tx:send("d")
    end)
    tx:close()
    rx:close()
    assert.are.same({ 0, 1, 0, 0, 0, 0 }, stats(rx))
    assert.are.equal(math.huge, trio.open_memory_channel(math.huge):statistics().max_buffer_size)
    h.raises("TypeError", tx.statistics, rx)
  end))
end)

describe("MemorySendChannel:close / MemoryReceiveChannel:close", function()
  it("is synchronous and idempotent", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    assert.is_false(h.yields(function() tx:close(); tx:close(); rx:close(); rx:close() end))
  end))

  it("using one's own closed handle raises ClosedResourceError", h.async(function()
    local tx, rx = trio.open_memory_channel(1)
    local tx2 = tx:clone()
    tx:close()
    h.raises("ClosedResourceError", tx.send, tx, 1)
    h.raises("ClosedResourceError", tx.send_nowait, tx, 1)
    h.raises("ClosedResourceError", tx.clone, tx)
    -- the clone still works
    tx2:send_nowait(1)
    assert.are.equal(1, rx:receive_nowait())
    local rx2 = rx:clone()
    rx:close()
    h.raises("ClosedResourceError", rx.receive, rx)
    h.raises("ClosedResourceError", rx.receive_nowait, rx)
    h.raises("ClosedResourceError", rx.clone, rx)
    tx2:close(); rx2:close()
  end))

  it("once every sender is closed, the receiver drains the buffer then gets EndOfChannel", h.async(function()
    local tx, rx = trio.open_memory_channel(5)
    local tx2 = tx:clone()
    tx:send(1)
    tx2:send(2)
    tx:close()
    tx2:send(3)
    tx2:close()
    assert.are.equal(1, rx:receive())
    assert.are.equal(2, rx:receive())
    assert.are.equal(3, rx:receive_nowait())
    h.raises("EndOfChannel", rx.receive, rx)
    h.raises("EndOfChannel", rx.receive_nowait, rx)
    rx:close()
  end))

  it("once every receiver is closed, send raises BrokenResourceError and the buffer is dropped", h.async(function()
    local tx, rx = trio.open_memory_channel(5)
    local weak = setmetatable({ {} }, { __mode = "v" })
    tx:send_nowait(weak[1])
    local rx2 = rx:clone()
    rx:close()
    tx:send_nowait(2)   -- the clone still receives
    rx2:close()
    h.raises("BrokenResourceError", tx.send, tx, 3)
    h.raises("BrokenResourceError", tx.send_nowait, tx, 3)
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1], "the buffered value is still referenced")
    tx:close()
  end))

  it("wakes a blocked receiver with EndOfChannel when the last sender closes", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local err
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        local ok, e = pcall(rx.receive, rx)
        err = e
      end)
      trio.testing.wait_all_tasks_blocked()
      tx:close()
    end)
    assert.is_true(trio.iserror(err, "EndOfChannel"))
    rx:close()
  end))

  it("wakes a blocked sender with BrokenResourceError when the last receiver closes", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local err
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        local ok, e = pcall(tx.send, tx, "v")
        err = e
      end)
      trio.testing.wait_all_tasks_blocked()
      rx:close()
    end)
    assert.is_true(trio.iserror(err, "BrokenResourceError"))
    tx:close()
  end))

  it("wakes a task blocked on a handle closed by another task with ClosedResourceError", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local tx2 = tx:clone()
    local rx2 = rx:clone()
    local errs = {}
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() local _, e = pcall(rx.receive, rx); errs.recv = e end)
      trio.testing.wait_all_tasks_blocked()
      rx:close()
      nursery:start_soon(function() local _, e = pcall(tx.send, tx, 1); errs.send = e end)
      trio.testing.wait_all_tasks_blocked()
      tx:close()
    end)
    assert.is_true(trio.iserror(errs.recv, "ClosedResourceError"))
    assert.is_true(trio.iserror(errs.send, "ClosedResourceError"))
    tx2:close(); rx2:close()
  end))

  it("<close> closes the handle", h.async(function()
    local tx, rx = trio.open_memory_channel(1)
    do
      local t <close> = tx
      t:send_nowait(1)
    end
    h.raises("ClosedResourceError", tx.send_nowait, tx, 2)
    assert.are.equal(1, rx:receive())
    h.raises("EndOfChannel", rx.receive, rx)
    rx:close()
  end))
end)

describe("MemoryReceiveChannel:iter", function()
  it("yields every value and ends at EndOfChannel", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local got = {}
    trio.open_nursery(function(nursery)
      nursery:start_soon(function()
        for i = 1, 5 do tx:send(i) end
        tx:close()
      end)
      for v in rx:iter() do got[#got + 1] = v end
    end)
    assert.are.same({ 1, 2, 3, 4, 5 }, got)
    rx:close()
  end))

  it("carries false values without ending", h.async(function()
    local tx, rx = trio.open_memory_channel(3)
    tx:send_nowait(false); tx:send_nowait(0); tx:send_nowait(false)
    tx:close()
    local n = 0
    for _ in rx:iter() do n = n + 1 end
    assert.are.equal(3, n)
    rx:close()
  end))

  it("fans in from several producers with clones", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local total = 0
    trio.open_nursery(function(nursery)
      for p = 1, 3 do
        local mine = tx:clone()
        nursery:start_soon(function()
          local t <close> = mine
          for i = 1, 10 do t:send(p * 100 + i) end
        end)
      end
      tx:close()
      local n = 0
      for v in rx:iter() do total = total + v; n = n + 1 end
      assert.are.equal(30, n)
    end)
    assert.are.equal(3 * 55 + 10 * 600, total)
    rx:close()
  end))
end)

describe("memory channel handles and their waiters", function()
  it("close() wakes only the closed handle's own waiters, in arrival order", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local a, b = tx:clone(), tx:clone()
    local got = {}
    trio.open_nursery(function(nursery)
      for i, handle in ipairs { a, b, a, b, a } do
        nursery:start_soon(function()
          local ok, e = trio.pcall(handle.send, handle, i)
          got[#got + 1] = ok and ("sent " .. i) or (trio.iserror(e, "ClosedResourceError") and "closed " .. i or tostring(e))
        end)
        trio.testing.wait_all_tasks_blocked()
      end
      a:close()
      trio.testing.wait_all_tasks_blocked()
      assert.are.same({ "closed 1", "closed 3", "closed 5" }, got)
      assert.are.equal(2, rx:receive())
      assert.are.equal(4, rx:receive())
    end)
    assert.are.same({ "closed 1", "closed 3", "closed 5", "sent 2", "sent 4" }, got)
    b:close(); tx:close(); rx:close()
  end))

  it("a value handed to a waiter stays delivered when its handle closes next", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local got
    trio.open_nursery(function(nursery)
      nursery:start_soon(function() got = rx:receive() end)
      trio.testing.wait_all_tasks_blocked()
      tx:send_nowait("x")  -- wakes the receiver with "x"
      rx:close()           -- before it runs again
    end)
    assert.are.equal("x", got)
    tx:close()
  end))

  -- Closing a handle used to scan every waiter of the channel: N handles closed while N
  -- senders waited cost O(N^2). Counted in Lua VM instructions, not time.
  it("close() costs the same however many tasks wait on other handles", h.async(function()
    local tx, rx = trio.open_memory_channel(0)
    local function instructions_per_close(n)
      local clones, closed = {}, 0
      local count = 0
      trio.open_nursery(function(nursery)
        for i = 1, n do
          local c = tx:clone()
          clones[i] = c
          nursery:start_soon(function()
            local ok, e = trio.pcall(c.send, c, i)
            if not ok and trio.iserror(e, "ClosedResourceError") then closed = closed + 1 end
          end)
        end
        trio.testing.wait_all_tasks_blocked()
        debug.sethook(function() count = count + 1 end, "", 1)
        for i = 1, n do clones[i]:close() end
        debug.sethook()
      end)
      assert.are.equal(n, closed)
      return count / n
    end
    local small, large = instructions_per_close(100), instructions_per_close(2000)
    assert.is_true(large < 2 * small, ("%.0f instructions per close with 100 waiters, %.0f with 2000")
      :format(small, large))
    tx:close(); rx:close()
  end))

  it("a buffer size above 2^31-1 is ValueError; math.huge is fine", function()
    h.raises("ValueError", trio.open_memory_channel, 2 ^ 31)
    h.raises("ValueError", trio.open_memory_channel, 1e300)
    local tx, rx = trio.open_memory_channel(math.huge)
    tx:close(); rx:close()
  end)
end)
