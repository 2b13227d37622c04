-- ltrio_echo_raw.lua - echo server on ltrio's low-level trio.socket calls only (no streams):
-- a listening socket, an accept loop, one task per connection doing recv/send until EOF.
-- Usage: build/ltrio bench/ltrio_echo_raw.lua PORT
local trio = require "ltrio"
local S = trio.socket
local port = math.tointeger(tonumber(arg[1])) or error("usage: ltrio_echo_raw.lua PORT")

local function echo(conn)
  local sock <close> = conn
  sock:setsockopt(S.IPPROTO_TCP, S.TCP_NODELAY, 1)
  while true do
    local data = sock:recv(65536)
    if data == "" then return end
    local sent = sock:send(data)
    while sent < #data do   -- a short send: the rest goes in later calls
      sent = sent + sock:send(data:sub(sent + 1))
    end
  end
end

local listener <close> = S.socket(S.AF_INET, S.SOCK_STREAM)
listener:setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
listener:bind({"127.0.0.1", port})
listener:listen(4096)
io.stderr:write(("ltrio_echo_raw: %s, port %d\n"):format(_VERSION, port))
trio.open_nursery(function(nursery)
  while true do
    local conn = listener:accept()
    nursery:start_soon(trio.pcall, echo, conn)  -- a peer that resets ends only its own task
  end
end)
