-- http_hello.lua - a minimal HTTP/1.1 server that answers "Hello, world" to everything.
--
--   ltrio scripts/http_hello.lua PORT [HOST]
--
-- Prints "http_hello: listening on HOST:PORT" (PORT 0 picks a free port). Connections
-- are kept alive (HTTP/1.1 default; HTTP/1.0 only with "Connection: keep-alive") and
-- pipelined requests are answered in order, so a load generator can drive it:
--
--   wrk -t2 -c64 -d10s http://127.0.0.1:PORT/
--
-- Request bodies announced by Content-Length are read and ignored.

local trio = require "ltrio"

local port = math.tointeger(tonumber(arg[1] or "8080"))
local host = arg[2]
if not port then
  io.stderr:write("usage: http_hello.lua PORT [HOST]\n")
  os.exit(2)
end

local BODY = "Hello, world\n"
local RESPONSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #BODY ..
  "\r\n\r\n" .. BODY
local RESPONSE_CLOSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " ..
  #BODY .. "\r\nConnection: close\r\n\r\n" .. BODY
local BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
local MAX_HEAD = 65536

-- Parses one request head; returns keep_alive, body_length, or nil when malformed.
local function parse_head(head)
  local version = head:match("^%u+ %S+ HTTP/(%d%.%d)\r\n")
  if not version then return nil end
  local lower = head:lower()
  local connection = lower:match("\r\nconnection:%s*([^\r]*)")
  local keep_alive
  if version == "1.0" then
    keep_alive = connection ~= nil and connection:find("keep%-alive") ~= nil
  else
    keep_alive = not (connection and connection:find("close"))
  end
  local length = tonumber(lower:match("\r\ncontent%-length:%s*(%d+)") or "0")
  return keep_alive, length
end

local function serve(stream)
  local buffer = ""
  while true do
    -- Answer every complete request in the buffer, batching the responses.
    local out, pos = {}, 1
    while true do
      local head_end = buffer:find("\r\n\r\n", pos, true)
      if not head_end then break end
      local keep_alive, length = parse_head(buffer:sub(pos, head_end + 1))
      if keep_alive == nil then
        out[#out + 1] = BAD_REQUEST
        stream:send_all(table.concat(out))
        return
      end
      local next_pos = head_end + 4 + length
      if next_pos - 1 > #buffer then break end   -- the body has not all arrived
      pos = next_pos
      if not keep_alive then
        out[#out + 1] = RESPONSE_CLOSE
        stream:send_all(table.concat(out))
        return
      end
      out[#out + 1] = RESPONSE
    end
    if #out > 0 then stream:send_all(#out == 1 and out[1] or table.concat(out)) end
    buffer = pos > 1 and buffer:sub(pos) or buffer
    if #buffer > MAX_HEAD then
      stream:send_all(BAD_REQUEST)
      return
    end
    local data = stream:receive_some(16384)
    if data == "" then return end
    buffer = buffer == "" and data or buffer .. data
  end
end

local function handler(stream)
  local ok, err = trio.pcall(serve, stream)
  if not ok and not trio.iserror(err, "BrokenResourceError")
      and not trio.iserror(err, "ClosedResourceError") then
    error(err, 0)
  end
end

trio.open_nursery(function(nursery)
  local listeners = nursery:start(trio.serve_tcp, handler, port, {host = host})
  for _, listener in ipairs(listeners) do
    print("http_hello: listening on " .. tostring(listener.socket:getsockname()))
  end
  io.stdout:flush()
end)
