-- udp_echo.lua - a UDP echo server and its client.
--
--   ltrio scripts/udp_echo.lua server PORT [HOST]     (HOST defaults to 127.0.0.1)
--   ltrio scripts/udp_echo.lua client HOST PORT MESSAGE [TIMEOUT]
--
-- The server prints "udp_echo: listening on HOST:PORT" (PORT 0 picks a free port) and
-- sends every datagram back to its sender. The client sends MESSAGE, prints the reply,
-- and resends up to 5 times if no reply comes within TIMEOUT seconds (default 1). With
-- no reply, or when the peer's host refuses the datagram (nobody listens on PORT: the
-- ICMP error surfaces on the connected socket), it says so on stderr and exits with
-- status 1.

local trio = require "ltrio"
local socket = trio.socket

local function usage()
  io.stderr:write("usage: udp_echo.lua server PORT [HOST] | client HOST PORT MESSAGE [TIMEOUT]\n",
    "  (PORT in 0..65535, TIMEOUT in seconds > 0)\n")
  os.exit(2)
end

-- A port argument: an integer in 0..65535, or nil.
local function port_arg(s)
  local port = math.tointeger(tonumber(s or ""))
  if port and port >= 0 and port <= 65535 then return port end
  return nil
end

-- The socket's family from a numeric or named host (IPv6 when the name says so).
local function family_of(host, port)
  local info = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)
  return info[1].family, info[1].sockaddr
end

local function server(port, host)
  local family, addr = family_of(host, port)
  local sock <close> = socket.socket(family, socket.SOCK_DGRAM)
  sock:bind(addr)
  print("udp_echo: listening on " .. tostring(sock:getsockname()))
  io.stdout:flush()
  while true do
    local data, peer = sock:recvfrom(65536)
    sock:sendto(data, peer)
  end
end

-- Sends 'message' on the connected 'sock' until a reply comes, 5 times at most;
-- returns the reply or nil.
local function exchange(sock, message, timeout)
  for _ = 1, 5 do
    sock:send(message)
    local _, reply = trio.move_on_after(timeout, sock.recv, sock, 65536)
    if reply then return reply end
  end
  return nil
end

-- Prints the reply and returns true, or returns false and why no reply came.
local function client(host, port, message, timeout)
  local family, addr = family_of(host, port)
  local sock <close> = socket.socket(family, socket.SOCK_DGRAM)
  sock:connect(addr)
  local ok, reply = trio.pcall(exchange, sock, message, timeout)
  if ok and reply then
    print(reply)
    return true
  elseif ok then
    return false, "no reply from " .. tostring(addr)
  elseif trio.iserror(reply, "OSError") and reply.errno == trio.errno.ECONNREFUSED then
    return false, "no reply from " .. tostring(addr) .. " (refused: nothing listens there)"
  end
  error(reply, 0)
end

-- Runs 'fn'; a network error (a name that does not resolve, a port in use, ...) ends
-- the program with a message and status 1 instead of a traceback.
local function main(fn, ...)
  local ok, done, why = trio.pcall(fn, ...)
  if not ok then
    if not trio.iserror(done, "OSError") then error(done, 0) end
    done, why = false, tostring(done)
  end
  if not done then
    io.stderr:write("udp_echo: ", why, "\n")
    os.exit(1)
  end
end

local mode = arg[1]
if mode == "server" then
  local port = port_arg(arg[2])
  if not port then usage() end
  main(server, port, arg[3] or "127.0.0.1")
elseif mode == "client" then
  local port = port_arg(arg[3])
  local timeout = tonumber(arg[5] or "1")
  if not arg[2] or not port or not arg[4] or not timeout or timeout <= 0 then usage() end
  main(client, arg[2], port, arg[4], timeout)
else
  usage()
end
