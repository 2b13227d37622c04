-- lookup.lua - prints what getaddrinfo returns for each name.
--
--   ltrio scripts/lookup.lua NAME...
--
-- One line per result: NAME, family, socket type, address (and the canonical name on
-- the first line of each name when the resolver gives one). A name that does not
-- resolve prints an error on stderr; the exit status is then 1. All names are looked
-- up concurrently.

local trio = require "ltrio"
local socket = trio.socket

if #arg == 0 then
  io.stderr:write("usage: lookup.lua NAME...\n")
  os.exit(2)
end

-- Reverse maps from the constants' values to their names.
local function names(prefix, list)
  local map = {}
  for _, n in ipairs(list) do
    if socket[prefix .. n] then map[socket[prefix .. n]] = prefix .. n end
  end
  return map
end
local families = names("AF_", {"INET", "INET6", "UNIX"})
local types = names("SOCK_", {"STREAM", "DGRAM", "RAW", "SEQPACKET"})

local results, failed = {}, false

local function lookup(i, name)
  local ok, res = trio.pcall(socket.getaddrinfo, name, nil, 0, 0, 0, socket.AI_CANONNAME)
  results[i] = {ok = ok, res = res}
end

trio.open_nursery(function(nursery)
  for i, name in ipairs(arg) do nursery:start_soon(lookup, i, name) end
end)

for i, name in ipairs(arg) do
  local r = results[i]
  if r.ok then
    for j, ai in ipairs(r.res) do
      local line = string.format("%s\t%s\t%s\t%s", name, families[ai.family] or tostring(ai.family),
        types[ai.type] or tostring(ai.type), tostring(ai.sockaddr[1]))
      if j == 1 and ai.canonname and ai.canonname ~= "" then
        line = line .. "\tcanonname=" .. ai.canonname
      end
      print(line)
    end
  else
    failed = true
    io.stderr:write(string.format("%s: %s\n", name, tostring(r.res)))
  end
end
io.stdout:flush()
if failed then os.exit(1) end
