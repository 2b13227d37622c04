-- luasocket_echo.lua - echo server on lua-socket with socket.select: a bench peer.
-- Usage: lua5.4 luasocket_echo.lua PORT. select(2) limits it to FD_SETSIZE (1024) fds.
local socket = require "socket"
local port = assert(tonumber(arg[1]), "usage: luasocket_echo.lua PORT")

local server = assert(socket.bind("127.0.0.1", port, 4096))
server:settimeout(0)
local readers, pending = {server}, {}   -- pending[c]: bytes not yet written back

local function drop(c)
  for i, s in ipairs(readers) do if s == c then table.remove(readers, i) break end end
  pending[c] = nil
  c:close()
end

local function flush(c)
  local data = pending[c]
  local last, err, partial = c:send(data)
  if last == #data then pending[c] = nil
  elseif err == "timeout" then pending[c] = data:sub((partial or 0) + 1)
  else drop(c) end
end

io.stderr:write(("luasocket_echo: %s, %s, port %d\n"):format(_VERSION, socket._VERSION, port))
while true do
  local writers = {}
  for c in pairs(pending) do writers[#writers + 1] = c end
  local r, w = socket.select(readers, writers)
  for _, c in ipairs(w) do if pending[c] then flush(c) end end
  for _, c in ipairs(r) do
    if c == server then
      local nc = server:accept()
      if nc then nc:settimeout(0) nc:setoption("tcp-nodelay", true) readers[#readers + 1] = nc end
    elseif not pending[c] then   -- read only once the previous echo is out
      local data, err, partial = c:receive(65536)
      data = data or partial
      if data and #data > 0 then pending[c] = data flush(c)
      elseif err ~= "timeout" then drop(c) end
    end
  end
end
