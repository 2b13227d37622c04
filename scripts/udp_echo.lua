-- udp_echo.lua - a UDP echo server and its client.
--
--   ltrio scripts/udp_echo.lua server PORT [HOST]     (HOST defaults to 127.0.0.1)
--   ltrio scripts/udp_echo.lua client HOST PORT MESSAGE [TIMEOUT]
--
-- The server prints "udp_echo: listening on HOST:PORT" (PORT 0 picks a free port) and
-- sends every datagram back to its sender. The client sends MESSAGE, prints the reply,
-- and resends up to 5 times if no reply comes within TIMEOUT seconds (default 1).

local trio = require "ltrio"
local socket = trio.socket

local function usage()
  io.stderr:write("usage: udp_echo.lua server PORT [HOST] | client HOST PORT MESSAGE [TIMEOUT]\n")
  os.exit(2)
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

local function client(host, port, message, timeout)
  local family, addr = family_of(host, port)
  local sock <close> = socket.socket(family, socket.SOCK_DGRAM)
  sock:connect(addr)
  for _ = 1, 5 do
    sock:send(message)
    local _, reply = trio.move_on_after(timeout, sock.recv, sock, 65536)
    if reply then
      print(reply)
      return
    end
  end
  io.stderr:write("udp_echo: no reply from " .. tostring(addr) .. "\n")
  os.exit(1)
end

local mode = arg[1]
if mode == "server" then
  local port = math.tointeger(tonumber(arg[2] or ""))
  if not port then usage() end
  server(port, arg[3] or "127.0.0.1")
elseif mode == "client" then
  local port = math.tointeger(tonumber(arg[3] or ""))
  local timeout = tonumber(arg[5] or "1")
  if not arg[2] or not port or not arg[4] or not timeout then usage() end
  client(arg[2], port, arg[4], timeout)
else
  usage()
end
