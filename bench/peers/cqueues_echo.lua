-- cqueues_echo.lua - echo server on lua-cqueues (a coroutine per connection): a bench peer.
-- Usage: lua5.4 cqueues_echo.lua PORT
local cqueues = require "cqueues"
local socket = require "cqueues.socket"
local port = assert(tonumber(arg[1]), "usage: cqueues_echo.lua PORT")

local cq = cqueues.new()
local srv = assert(socket.listen{host = "127.0.0.1", port = port, reuseaddr = true, backlog = 4096})

local function echo(con)
  con:setmode("bn", "bn")   -- binary, unbuffered output: each write goes out at once
  while true do
    local data = con:read(-65536)   -- whatever is there, up to 64 KiB
    if not data or not con:write(data) then break end
  end
  con:close()
end

cq:wrap(function()
  while true do
    local con = srv:accept()
    if con then cq:wrap(echo, con) end
  end
end)
io.stderr:write(("cqueues_echo: %s, cqueues %s, port %d\n"):format(_VERSION, cqueues.VERSION, port))
while true do   -- keep serving when one connection's coroutine fails
  local ok, err = cq:loop()
  if not ok then io.stderr:write("cqueues_echo: ", tostring(err), "\n") end
end
