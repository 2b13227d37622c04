-- Memory per idle connection: a task blocked in SocketStream:receive_some after a
-- send_all under trio.pcall (the shape of scripts/echo_server.lua's handler), or in
-- socket:recv (the shape of bench/ltrio_echo_raw.lua), costs little more Lua heap
-- than a task blocked in trio.sleep_forever. Lua doubles a coroutine's stack (+640
-- bytes) once a call needs room past its first 40 slots: a C function reserves 20
-- slots, and a metamethod starts past its caller's registers, so method lookups
-- and the stream methods must not add C frames there.
local h = require "spec.helper"
local trio = require "ltrio"
local socket = trio.socket

local N = 2000

-- Lua heap bytes per task for N tasks started by start(nursery, i), once all block.
local function heap_per_task(prepare, start)
  local per
  h.checked(trio.run, function()
    local state = prepare()
    collectgarbage()
    collectgarbage()
    local before = collectgarbage("count")
    trio.open_nursery(function(nursery)
      for i = 1, N do start(nursery, state, i) end
      trio.testing.wait_all_tasks_blocked()
      if state.after then state.after() end
      collectgarbage()
      collectgarbage()
      per = (collectgarbage("count") - before) * 1024 / N
      nursery.cancel_scope:cancel()
    end)
    if state.close then state.close() end
  end)
  return per
end

local function echo(stream)
  while true do
    local data = stream:receive_some()
    if data == "" then return end
    stream:send_all(data)
  end
end


local function echo_raw(conn)
  local sock <close> = conn
  while true do
    local data = sock:recv(65536)
    if data == "" then return end
    local sent = sock:send(data)
    while sent < #data do sent = sent + sock:send(data:sub(sent + 1)) end
  end
end

-- A handler as scripts/echo_server.lua writes one: the loop under trio.pcall.
local function guarded(loop)
  return function(conn)
    local ok, err = trio.pcall(loop, conn)
    if not ok then error(err, 0) end
  end
end
local handler, handler_raw = guarded(echo), guarded(echo_raw)

-- N socket pairs; 'wrap' turns the served end into what the handler takes.
local function pairs_state(wrap)
  return function()
    local st = {peers = {}, served = {}}
    for i = 1, N do
      local a, b = socket.socketpair()
      st.peers[i], st.served[i] = a, wrap(b)
    end
    st.after = function()  -- one echo each, then every handler blocks again
      for i = 1, N do st.peers[i]:send("ping") end
      trio.testing.wait_all_tasks_blocked()
      for i = 1, N do assert.are.equal("ping", st.peers[i]:recv(16)) end
      trio.testing.wait_all_tasks_blocked()
    end
    st.close = function()
      for i = 1, N do st.peers[i]:close(); st.served[i]:close() end
    end
    return st
  end
end

local function sleeping_task()
  return heap_per_task(function() return {} end, function(nursery)
    nursery:start_soon(trio.sleep_forever)
  end)
end

describe("memory per sleeping task", function()
  it("is under 1300 bytes of Lua heap", function()
    -- coroutine state and its 45-slot stack (928), two CallInfo frames (128), the
    -- task object (184) and its registry reference (16): 1256 here
    local sleeping = sleeping_task()
    assert.is_true(sleeping < 1300, string.format("a sleeping task costs %.0f bytes", sleeping))
  end)
end)

describe("memory per idle connection task", function()
  it("stays within 600 bytes of a sleeping task's for a stream handler", function()
    local sleeping = sleeping_task()
    local blocked = heap_per_task(pairs_state(trio.SocketStream), function(nursery, st, i)
      nursery:start_soon(handler, st.served[i])
    end)
    assert.is_true(blocked - sleeping < 600, string.format(
      "a blocked stream handler costs %.0f bytes of Lua heap, a sleeping task %.0f", blocked, sleeping))
  end)

  it("is the handler's own for a connection served by serve_listeners (no wrapper frame)", function()
    local direct = heap_per_task(pairs_state(trio.SocketStream), function(nursery, st, i)
      nursery:start_soon(handler, st.served[i])
    end)
    local served = heap_per_task(pairs_state(trio.SocketStream), function(nursery, st, i)
      if i > 1 then return end
      local queue = table.move(st.served, 1, N, 1, {})
      local listener = {close = function() end}
      function listener:accept()
        trio.checkpoint()
        if #queue == 0 then trio.sleep_forever() end
        return table.remove(queue, 1)
      end
      nursery:start_soon(trio.serve_listeners, handler, {listener})
    end)
    -- a Lua frame kept below the handler would cost a CallInfo (64 bytes) per task
    assert.is_true(served - direct < 32, string.format(
      "a served connection costs %.0f bytes of Lua heap, the handler alone %.0f", served, direct))
  end)

  it("stays within 600 bytes of a sleeping task's for a raw socket handler", function()
    local sleeping = sleeping_task()
    local blocked = heap_per_task(pairs_state(function(s) return s end), function(nursery, st, i)
      nursery:start_soon(handler_raw, st.served[i])
    end)
    assert.is_true(blocked - sleeping < 600, string.format(
      "a blocked socket handler costs %.0f bytes of Lua heap, a sleeping task %.0f", blocked, sleeping))
  end)
end)
