-- port_scan.lua - a concurrent TCP connect scan.
--
--   ltrio scripts/port_scan.lua HOST FROM TO [CONCURRENCY] [TIMEOUT]
--
-- Tries to connect to every port FROM..TO of HOST, at most CONCURRENCY (default 100)
-- at a time, each attempt given up after TIMEOUT seconds (default 1). Prints
-- "PORT open" for each port that accepted, in port order, then a summary line.
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
    or not timeout or timeout <= 0 then
  io.stderr:write("usage: port_scan.lua HOST FROM TO [CONCURRENCY] [TIMEOUT]\n",
    "  (0 <= FROM <= TO <= 65535, CONCURRENCY >= 1, TIMEOUT in seconds > 0)\n")
  os.exit(2)
end

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

-- One probe; the permit the main task acquired for it is released on exit.
local function probe(port)
  local _ <close> = limit
  trio.move_on_after(timeout, function()
    while true do
      local ok, stream = trio.pcall(trio.open_tcp_stream, host, port)
      if ok then
        open[#open + 1] = port
        own_endpoints[tostring(stream.socket:getsockname())] = true
        peer_of[port] = tostring(stream.socket:getpeername())
        stream:close()
        return
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
