-- luv_echo.lua - echo server on lua-luv (libuv streams driven from Lua callbacks): a bench peer.
-- Usage: lua5.4 luv_echo.lua PORT
local uv = require "luv"
local port = assert(tonumber(arg[1]), "usage: luv_echo.lua PORT")

local server = uv.new_tcp()
assert(server:bind("127.0.0.1", port))
assert(server:listen(4096, function(err)
  if err then return end
  local c = uv.new_tcp()
  if server:accept(c) ~= 0 then c:close() return end
  c:nodelay(true)
  c:read_start(function(rerr, data)
    if data then c:write(data) else c:close() end
  end)
end))
io.stderr:write(("luv_echo: %s, luv %s, port %d\n"):format(_VERSION, uv.version_string(), port))
uv.run()
