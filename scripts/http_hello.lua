-- http_hello.lua - a minimal HTTP/1.1 server that answers "Hello, world" to everything.
--
--   ltrio scripts/http_hello.lua [PORT [HOST]]
--
-- Prints "http_hello: listening on HOST:PORT" (PORT defaults to 8080; 0 picks a free
-- port). Connections are kept alive (HTTP/1.1 default; HTTP/1.0 only with "Connection:
-- keep-alive") and pipelined requests are answered in order, so a load generator can
-- drive it:
--
--   wrk -t2 -c64 -d10s http://127.0.0.1:PORT/
--
-- Request bodies announced by Content-Length are read and ignored, up to 1 GiB (a larger
-- one gets 413, an invalid length 400); a request head is limited to 64 KiB (400). A
-- HEAD request gets the headers alone. Request bodies in Transfer-Encoding (chunked) are
-- not supported: 501, or 400 beside a Content-Length; so is a malformed header line
-- (400). Each refusal closes the connection.

local trio = require "ltrio"

-- A port argument: an integer in 0..65535, or nil.
local function port_arg(s)
  local port = math.tointeger(tonumber(s or ""))
  if port and port >= 0 and port <= 65535 then return port end
  return nil
end

local port = port_arg(arg[1] or "8080")
local host = arg[2]
if not port or #arg > 2 then
  io.stderr:write("usage: http_hello.lua [PORT [HOST]]  (PORT in 0..65535, default 8080; 0 picks a free port)\n")
  os.exit(2)
end

local BODY = "Hello, world\n"
local RESPONSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #BODY ..
  "\r\n\r\n" .. BODY
local RESPONSE_CLOSE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " ..
  #BODY .. "\r\nConnection: close\r\n\r\n" .. BODY
-- HEAD: the same headers, no body
local HEAD_RESPONSE = RESPONSE:sub(1, #RESPONSE - #BODY)
local HEAD_RESPONSE_CLOSE = RESPONSE_CLOSE:sub(1, #RESPONSE_CLOSE - #BODY)
local function refusal(status)
  return "HTTP/1.1 " .. status .. "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
end
local BAD_REQUEST = refusal("400 Bad Request")
local TOO_LARGE = refusal("413 Content Too Large")
local NOT_IMPLEMENTED = refusal("501 Not Implemented")
local MAX_HEAD = 65536     -- bytes in one request head
local MAX_BODY = 1 << 30   -- bytes in one request body (discarded as they arrive, never kept)

-- Parses one request head (the request line and header lines, each ending in CRLF);
-- returns the response due (once the body has been read) and the body length, or the
-- response that refuses it and nil: 400 when malformed (a header line that is not
-- "name: value", a name with blanks, a Content-Length that is not digits, two that
-- differ, one beside Transfer-Encoding), 413 when the body would exceed MAX_BODY, 501 for
-- a Transfer-Encoding.
local function parse_head(head)
  local method, version, start = head:match("^(%u+) %S+ HTTP/(%d%.%d)\r\n()")
  if not method or head:find("[^\r]\n") or head:find("\r[^\n]") then
    return BAD_REQUEST   -- lines end in CRLF, and nothing else holds a CR or an LF
  end
  local connection, length, transfer_encoding = "", nil, false
  for line in head:gmatch("([^\r\n]*)\r\n", start) do
    local name, value_at = line:match("^([^:%s]+):[ \t]*()")
    if not name then return BAD_REQUEST end
    name = name:lower()
    if name == "content-length" then
      local digits = line:match("^0*(%d+)[ \t]*$", value_at)   -- leading zeros are allowed
      if not digits then return BAD_REQUEST end
      local n = #digits <= 15 and tonumber(digits) or math.huge   -- an integer, never a float
      if n > MAX_BODY then return TOO_LARGE end
      if length and length ~= n then return BAD_REQUEST end
      length = n
    elseif name == "transfer-encoding" then
      transfer_encoding = true
    elseif name == "connection" then
      connection = connection .. "," .. line:sub(value_at):lower()
    end
  end
  if transfer_encoding then return length and BAD_REQUEST or NOT_IMPLEMENTED end
  local keep_alive
  if version == "1.0" then
    keep_alive = connection:find("keep%-alive") ~= nil
  else
    keep_alive = not connection:find("close")
  end
  if method == "HEAD" then return keep_alive and HEAD_RESPONSE or HEAD_RESPONSE_CLOSE, length or 0 end
  return keep_alive and RESPONSE or RESPONSE_CLOSE, length or 0
end

-- Answers the requests of one connection in order. The bytes not yet parsed are
-- buffer[pos..]; only a request head is kept whole (up to MAX_HEAD), a body is counted
-- off in 'skip' as it arrives, and 'answer' is the response due once it has all come.
local function serve(stream)
  local buffer, pos = "", 1
  local searched = 1   -- where to look for the end of the head: bytes before it were searched
  local skip, answer = 0, nil
  while true do
    local out = {}   -- the responses due, sent in one batch
    while true do
      if answer then
        local n = math.min(skip, #buffer - pos + 1)
        pos, skip = pos + n, skip - n
        if skip > 0 then break end   -- the body has not all arrived
        out[#out + 1] = answer
        if answer == RESPONSE_CLOSE or answer == HEAD_RESPONSE_CLOSE then
          stream:send_all(table.concat(out))
          return
        end
        answer = nil
      end
      local head_end = buffer:find("\r\n\r\n", math.max(pos, searched), true)
      local head_size = head_end and head_end + 4 - pos or #buffer - pos + 1
      if not head_end and head_size <= MAX_HEAD then   -- more of the head to come
        searched = math.max(pos, #buffer - 2)   -- the next search starts where this one ended
        break
      end
      local response, length = BAD_REQUEST, nil
      if head_size <= MAX_HEAD then response, length = parse_head(buffer:sub(pos, head_end + 1)) end
      if not length then   -- refused
        out[#out + 1] = response
        stream:send_all(table.concat(out))
        return
      end
      pos, skip, searched = head_end + 4, length, 1
      answer = response
    end
    if #out > 0 then stream:send_all(#out == 1 and out[1] or table.concat(out)) end
    if pos > 1 then searched = math.max(1, searched - pos + 1) end
    buffer = pos > #buffer and "" or buffer:sub(pos)
    pos = 1
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
  local ok, listeners = trio.pcall(nursery.start, nursery, trio.serve_tcp, handler, port, {host = host})
  if not ok then   -- the port is in use, the host does not resolve, ...
    if not trio.iserror(listeners, "OSError") then error(listeners, 0) end
    io.stderr:write("http_hello: ", tostring(listeners), "\n")
    os.exit(1)
  end
  for _, listener in ipairs(listeners) do
    print("http_hello: listening on " .. tostring(listener.socket:getsockname()))
  end
  io.stdout:flush()
end)
