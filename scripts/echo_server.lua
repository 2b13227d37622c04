-- echo_server.lua - a TCP echo server: every byte a client sends comes back to it.
--
--   ltrio scripts/echo_server.lua [PORT [HOST]]
--
-- PORT 0 (the default) picks a free port; the port is printed as "echo_server: listening
-- on HOST:PORT" (one line per listener; with no HOST, IPv4 and IPv6 on every address). A
-- client that resets its connection ends only its own connection, never the server.

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
  io.stderr:write("usage: echo_server.lua [PORT [HOST]]  (PORT in 0..65535, default 0; 0 picks a free port)\n")
  os.exit(2)
end

-- The connection's loop: echo until end of file.
local function echo(stream)
  while true do
    local data = stream:receive_some()
    if data == "" then return end
    stream:send_all(data)
  end
end

-- One task per connection; serve_tcp closes the stream when this returns.
local function handler(stream)
  local ok, err = trio.pcall(echo, stream)
  if not ok then
    if trio.iserror(err, "BrokenResourceError") or trio.iserror(err, "ClosedResourceError") then
      io.stderr:write("echo_server: connection ended: ", tostring(err), "\n")
    else
      error(err, 0)
    end
  end
end

trio.open_nursery(function(nursery)
  local ok, listeners = trio.pcall(nursery.start, nursery, trio.serve_tcp, handler, port, {host = host})
  if not ok then   -- the port is in use, the host does not resolve, ...
    if not trio.iserror(listeners, "OSError") then error(listeners, 0) end
    io.stderr:write("echo_server: ", tostring(listeners), "\n")
    os.exit(1)
  end
  for _, listener in ipairs(listeners) do
    print("echo_server: listening on " .. tostring(listener.socket:getsockname()))
  end
  io.stdout:flush()
end)
