-- sync_demo.lua - CapacityLimiter and Condition around a loopback echo server.
-- usage: build/ltrio scripts/sync_demo.lua [CLIENTS] [LIMIT]
--
-- Starts an echo server on 127.0.0.1 (a free port), then runs CLIENTS clients
-- (default 6), at most LIMIT (default 2) at a time under a trio.CapacityLimiter. The
-- server counts its open connections under a trio.Condition; a watcher task waits on it
-- and prints each change, so the output shows the limit at work. Exit status 1 if a
-- client failed.
local trio = require "ltrio"

local clients = math.tointeger(tonumber(arg[1] or "6"))
local limit = math.tointeger(tonumber(arg[2] or "2"))
if not clients or clients < 1 or not limit or limit < 1 or #arg > 2 then
  io.stderr:write("usage: sync_demo.lua [CLIENTS] [LIMIT]  (both whole numbers >= 1)\n")
  os.exit(2)
end

local open_now, most, finished = 0, 0, false
local failed = false
local changed = trio.Condition()  -- guards open_now, most and finished

-- Runs fn() holding the condition's lock, then wakes every waiter.
local function update(fn)
  local _ <close> = changed:acquire()
  fn()
  changed:notify_all()
end

-- The server: echoes what it receives until the client's end of file, and counts the
-- connections open. The count goes down before serve_tcp closes the stream, so a
-- client sees its end of file only once it is no longer counted.
local function handler(stream)
  update(function() open_now = open_now + 1; most = math.max(most, open_now) end)
  local _ <close> = setmetatable({}, { __close = function()
    update(function() open_now = open_now - 1 end)
  end })
  while true do
    local data = stream:receive_some()
    if data == "" then return end
    stream:send_all(data)
  end
end

local limiter = trio.CapacityLimiter(limit)

local function client(i, port)
  local _ <close> = limiter:acquire()  -- a token per client task; <close> gives it back
  local stream <close> = trio.open_tcp_stream("127.0.0.1", port)
  local message = "hello " .. i
  stream:send_all(message)
  local reply = ""
  while #reply < #message do
    local data = stream:receive_some()
    if data == "" then error("the server closed the connection early", 0) end
    reply = reply .. data
  end
  assert(reply == message, "bad echo: " .. reply)
  trio.sleep(0.05)  -- hold the connection a little, so that the limit shows
  stream:send_eof()
  assert(stream:receive_some() == "", "unexpected data after the echo")  -- the server is done
end

-- Prints the number of open connections each time it changes, until the clients are done.
local function watcher()
  local _ <close> = changed:acquire()
  local shown = -1
  while not finished do
    if open_now ~= shown then
      print(("open connections: %d (tokens borrowed: %d of %d)"):format(
        open_now, limiter.borrowed_tokens, limiter.total_tokens))
      shown = open_now
    end
    changed:wait()  -- releases the lock while it waits
  end
end

trio.open_nursery(function(nursery)
  local listeners = nursery:start(trio.serve_tcp, handler, 0, { host = "127.0.0.1" })
  local port = listeners[1].socket:getsockname()[2]
  nursery:start_soon(watcher)
  local ok, err = trio.pcall(trio.open_nursery, function(clients_nursery)
    for i = 1, clients do clients_nursery:start_soon(client, i, port) end
  end)
  if not ok then
    io.stderr:write("sync_demo: a client failed: ", tostring(err), "\n")
    failed = true
  end
  -- the last handler may still be closing: wait until every connection is gone
  local _ <close> = changed:acquire()
  while open_now > 0 do changed:wait() end
  finished = true
  changed:notify_all()
  print(("%d clients served, at most %d at a time (limit %d)"):format(clients, most, limit))
  nursery.cancel_scope:cancel()  -- stops the server
end)
if failed then os.exit(1) end
