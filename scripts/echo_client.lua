-- echo_client.lua - sends lines to an echo server and prints what comes back.
--
--   ltrio scripts/echo_client.lua HOST PORT [message...]
--
-- Each message (or, with none, each line of standard input) is sent as one line; the
-- client waits for its echo and prints it. Exits with status 1 if the server goes away,
-- sends no line back within 10 seconds, or sends a line far longer than the message;
-- with status 2 if a message given as an argument holds a newline.

local trio = require "ltrio"

-- A port argument: an integer in 0..65535, or nil.
local function port_arg(s)
  local port = math.tointeger(tonumber(s or ""))
  if port and port >= 0 and port <= 65535 then return port end
  return nil
end

local host, port = arg[1], port_arg(arg[2])
if not host or not port then
  io.stderr:write("usage: echo_client.lua HOST PORT [message...]  (PORT in 0..65535)\n")
  os.exit(2)
end

local REPLY_TIMEOUT = 10   -- seconds to wait for each echo

local messages = {}
for i = 3, #arg do
  if arg[i]:find("\n", 1, true) then
    io.stderr:write("echo_client: message ", i - 2, " holds a newline: it would be two lines\n")
    os.exit(2)
  end
  messages[#messages + 1] = arg[i]
end
if #messages == 0 then
  for line in io.lines() do messages[#messages + 1] = line end
end

-- Reads from 'stream' until one whole line has arrived; returns it without its
-- newline, and what arrived beyond it. Each chunk is searched once, and a line longer
-- than 'limit' bytes is an error: a broken server cannot make the client buffer or
-- search without end.
local function receive_line(stream, pending, limit)
  local parts, size = {pending}, #pending
  local nl = pending:find("\n", 1, true)
  while not nl do
    if size > limit then
      error(trio.BrokenResourceError("the server sent a line of more than " .. limit .. " bytes"), 0)
    end
    local data = stream:receive_some()
    if data == "" then error(trio.BrokenResourceError("the server closed the connection"), 0) end
    parts[#parts + 1] = data
    nl = data:find("\n", 1, true)
    if nl then nl = size + nl end
    size = size + #data
  end
  local all = table.concat(parts)
  return all:sub(1, nl - 1), all:sub(nl + 1)
end

local function exchange()
  local stream <close> = trio.open_tcp_stream(host, port)
  local pending = ""   -- bytes received beyond the lines printed so far
  for _, message in ipairs(messages) do
    stream:send_all(message .. "\n")
    local line
    line, pending = trio.fail_after(REPLY_TIMEOUT, receive_line, stream, pending, math.max(65536, 2 * #message))
    print(line)
  end
  stream:send_eof()
end

-- Nobody listening, or the server going away, ends the client with status 1.
local ok, err = trio.pcall(exchange)
if not ok then
  if not (trio.iserror(err, "OSError") or trio.iserror(err, "BrokenResourceError")
      or trio.iserror(err, "ClosedResourceError") or trio.iserror(err, "TooSlowError")) then
    error(err, 0)
  end
  io.stdout:flush()
  io.stderr:write("echo_client: ", tostring(err), "\n")
  os.exit(1)
end
