-- chat_server.lua - a line-based chat room over TCP.
--
--   ltrio scripts/chat_server.lua [PORT [HOST]]
--
-- Prints "chat_server: listening on HOST:PORT" (PORT 0, the default, picks a free port).
-- Every line a client sends is broadcast to every other client as "<name> line"; joins
-- and leaves are announced as "* name joined" / "* name left". A client may pick its name
-- by sending "/nick NAME". Messages go through memory channels: one shared channel into
-- the broadcaster task, bounded, so that a client sending faster than the room can take
-- is read more slowly (TCP holds it back) instead of filling the server's memory; and one
-- bounded channel out to each client, whose writer sends all it has queued at once. A
-- client too slow to keep up with 256 pending lines is disconnected rather than slowing
-- the others, and so is a client that sends a line longer than 4096 bytes.

local trio = require "ltrio"

-- A port argument: an integer in 0..65535, or nil.
local function port_arg(s)
  local port = math.tointeger(tonumber(s or ""))
  if port and port >= 0 and port <= 65535 then return port end
  return nil
end

local port = port_arg(arg[1] or "0")
local host = arg[2]
if not port or #arg > 2 then
  io.stderr:write("usage: chat_server.lua [PORT [HOST]]  (PORT in 0..65535, default 0; 0 picks a free port)\n")
  os.exit(2)
end

local QUEUE = 256          -- lines waiting for one client
local HUB_QUEUE = 64       -- lines waiting for the broadcaster
local MAX_LINE = 4096      -- bytes without a newline before a client is disconnected
local clients = {}         -- client -> true; client = {name =, tx =, scope =}
local hub_tx, hub_rx = trio.open_memory_channel(HUB_QUEUE)

-- The broadcaster: every message {from = client, text = line} to every other client.
local function broadcaster()
  for msg in hub_rx:iter() do
    for client in pairs(clients) do
      if client ~= msg.from then
        local ok = trio.pcall(client.tx.send_nowait, client.tx, msg.text)
        if not ok and client.scope then client.scope:cancel() end   -- too slow
      end
    end
  end
end

-- Writes the client's queued lines to its stream: each send takes every line queued by
-- then, so the writer keeps up with the broadcaster however many lines come at once.
local function writer(stream, rx)
  for text in rx:iter() do
    local lines = {text}
    while #lines < QUEUE do
      local ok, more = trio.pcall(rx.receive_nowait, rx)
      if not ok then break end   -- WouldBlock: nothing more queued (or EndOfChannel)
      lines[#lines + 1] = more
    end
    lines[#lines + 1] = ""
    stream:send_all(table.concat(lines, "\n"))
  end
end

-- Posts one line of the client to the hub (or renames the client).
local function post(client, line)
  line = line:gsub("\r$", "")
  local nick = line:match("^/nick%s+(%S+)")
  if nick then
    hub_tx:send{from = client, text = "* " .. client.name .. " is now " .. nick}
    client.name = nick
  elseif line ~= "" then
    hub_tx:send{from = client, text = "<" .. client.name .. "> " .. line}
  end
end

-- Reads lines from the client until it closes (returns nothing) or sends too long a
-- line (returns true). Each received chunk is searched once, from where the last line
-- ended, and the unfinished line kept is bounded, so no client can make the server (one
-- thread for every client) work or buffer without limit.
local function reader(stream, client)
  local pending = ""
  while true do
    local data = stream:receive_some()
    if data == "" then return end
    pending = pending .. data
    local start = 1
    while true do
      local newline = pending:find("\n", start, true)
      if not newline then break end
      post(client, pending:sub(start, newline - 1))
      start = newline + 1
    end
    pending = pending:sub(start)
    if #pending > MAX_LINE then return true end
  end
end

local function session(stream, client, rx)
  local too_long
  trio.open_nursery(function(nursery)
    client.scope = nursery.cancel_scope
    nursery:start_soon(writer, stream, rx)
    too_long = reader(stream, client)
    nursery.cancel_scope:cancel()
  end)
  -- the writer has stopped: the stream is free for a last word (one second at most)
  if too_long then trio.move_on_after(1, stream.send_all, stream, "* line too long: goodbye\n") end
end

-- Puts a client in the room; the returned value's <close> takes it out again.
local function join(client)
  clients[client] = true
  return setmetatable({}, {__close = function() clients[client] = nil end})
end

-- One task per client. On every exit, a cancellation included, the client leaves the
-- room and both ends of its channel are closed, before its "left" is posted (which may
-- wait for room in the hub).
local function handler(stream)
  local known, peer = trio.pcall(stream.socket.getpeername, stream.socket)
  if not known then   -- reset before it was served: ENOTCONN
    if trio.iserror(peer, "OSError") then return end
    error(peer, 0)
  end
  local name = tostring(peer)
  local client, ok, err
  do
    local sending_end, receiving_end = trio.open_memory_channel(QUEUE)
    local tx <close> = sending_end
    local rx <close> = receiving_end
    client = {name = name, tx = tx}
    local _ <close> = join(client)
    ok, err = trio.pcall(function()
      hub_tx:send{from = client, text = "* " .. name .. " joined"}
      return session(stream, client, rx)
    end)
  end
  hub_tx:send{from = client, text = "* " .. client.name .. " left"}
  if not ok and not trio.iserror(err, "BrokenResourceError")
      and not trio.iserror(err, "ClosedResourceError") then
    error(err, 0)
  end
end

trio.open_nursery(function(nursery)
  nursery:start_soon(broadcaster)
  local ok, listeners = trio.pcall(nursery.start, nursery, trio.serve_tcp, handler, port, {host = host})
  if not ok then   -- the port is in use, the host does not resolve, ...
    if not trio.iserror(listeners, "OSError") then error(listeners, 0) end
    io.stderr:write("chat_server: ", tostring(listeners), "\n")
    os.exit(1)
  end
  for _, listener in ipairs(listeners) do
    print("chat_server: listening on " .. tostring(listener.socket:getsockname()))
  end
  io.stdout:flush()
end)
