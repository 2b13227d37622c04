-- port_scan.lua - a concurrent TCP connect scan.
--
--   ltrio scripts/port_scan.lua HOST FROM TO [CONCURRENCY] [TIMEOUT]
--
-- Tries to connect to every port FROM..TO of HOST, at most CONCURRENCY (default 100)
-- at a time, each attempt given up after TIMEOUT seconds (default 1). Prints
-- "PORT open" for each port that accepted, in port order, then a summary line. HOST is
-- looked up once and its first address scanned; a name that does not resolve is an
-- error on stderr and exit status 1.
-- A probe that fails for want of a local resource (file descriptors, memory) is tried
-- again a moment later, not counted as closed. Scanning the ephemeral port range of the
-- host itself, two probes can connect to each other (or one to itself): such ports are
-- not reported.

local trio = require "ltrio"

-- A port argument: an integer in 0..65535, or nil.
local function port_arg(s)
  local port = math.tointeger(tonumber(s or ""))
  if port and port >= 0 and port <= 65535 then return port end
  return nil
end

local host = arg[1]
local first, last = port_arg(arg[2]), port_arg(arg[3])
local concurrency = math.tointeger(tonumber(arg[4] or "100"))
local timeout = tonumber(arg[5] or "1")
if not host or not first or not last or first > last or not concurrency or concurrency < 1
    or not timeout or timeout <= 0 or #arg > 5 then
  io.stderr:write("usage: port_scan.lua HOST FROM TO [CONCURRENCY] [TIMEOUT]\n",
    "  (0 <= FROM <= TO <= 65535, CONCURRENCY >= 1, TIMEOUT in seconds > 0)\n")
  os.exit(2)
end

-- The address to scan: the first one HOST resolves to.
local ok, infos = trio.pcall(trio.socket.getaddrinfo, host, nil, 0, trio.socket.SOCK_STREAM)
if not ok then
  if not trio.iserror(infos, "OSError") then error(infos, 0) end   -- gaierror is an OSError
  io.stderr:write("port_scan: ", tostring(infos), "\n")
  os.exit(1)
end
local address = infos[1].sockaddr[1]

local limit = trio.Semaphore(concurrency)
local open = {}
local own_endpoints = {}   -- "addr:port" -> true: the local end of each probe that connected
local peer_of = {}         -- port -> "addr:port" its probe connected to

-- Errors that say nothing about the port: this process ran short of something.
local LOCAL_SHORTAGE = {
  [trio.errno.EMFILE] = true, [trio.errno.ENFILE] = true,
  [trio.errno.ENOBUFS] = true, [trio.errno.ENOMEM] = true,
}
local function short_of_resources(err)
  if not trio.iserror(err, "OSError") then return false end
  if LOCAL_SHORTAGE[err.errno] then return true end
  for _, attempt in ipairs(err.errors or {}) do   -- open_tcp_stream: one per address
    if LOCAL_SHORTAGE[attempt.errno] then return true end
  end
  return false
end

-- Records an open port and both ends of its connection. The peer may already have
-- reset the connection (getpeername then fails): the port accepted all the same.
local function record(port, sock)
  open[#open + 1] = port
  local got_local, here = trio.pcall(sock.getsockname, sock)
  local got_peer, there = trio.pcall(sock.getpeername, sock)
  if got_local then own_endpoints[tostring(here)] = true end
  if got_peer then peer_of[port] = tostring(there) end
end

-- One probe; the permit the main task acquired for it is released on exit.
local function probe(port)
  local _ <close> = limit
  trio.move_on_after(timeout, function()
    while true do
      local connected, stream = trio.pcall(trio.open_tcp_stream, address, port)
      if connected then
        local _ <close> = stream
        return record(port, stream.socket)
      end
      if not short_of_resources(stream) then return end   -- refused, unreachable: closed
      trio.sleep(0.1)   -- try again once other probes have given back what they held
    end
  end)
end

trio.open_nursery(function(nursery)
  for port = first, last do
    limit:acquire()
    nursery:start_soon(probe, port)
  end
end)

-- A probe whose peer was the local end of one of our own connections (itself, or another
-- probe) met our own socket, not a listener.
local found = {}
for _, port in ipairs(open) do
  if not own_endpoints[peer_of[port]] then found[#found + 1] = port end
end
open = found
table.sort(open)
for _, port in ipairs(open) do print(port .. " open") end
print(string.format("port_scan: %d of %d ports open on %s", #open, last - first + 1, host))
