-- echo_client.lua - sends lines to an echo server and prints what comes back.
--
--   ltrio scripts/echo_client.lua HOST PORT [message...]
--
-- Each message (or, with none, each line of standard input) is sent as one line; the
-- client waits for its echo and prints it. Exits with status 1 if the server goes away.

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

local messages = {}
for i = 3, #arg do messages[#messages + 1] = arg[i] end
if #messages == 0 then
  for line in io.lines() do messages[#messages + 1] = line end
end

-- Reads from 'stream' until one whole line has arrived; returns it without its
-- newline, and what arrived beyond it.
local function receive_line(stream, pending)
  while true do
    local nl = pending:find("\n", 1, true)
    if nl then return pending:sub(1, nl - 1), pending:sub(nl + 1) end
    local data = stream:receive_some()
    if data == "" then error(trio.BrokenResourceError("the server closed the connection"), 0) end
    pending = pending .. data
  end
end

local function exchange()
  local stream <close> = trio.open_tcp_stream(host, port)
  local pending = ""   -- bytes received beyond the lines printed so far
  for _, message in ipairs(messages) do
    stream:send_all(message .. "\n")
    local line
    line, pending = receive_line(stream, pending)
    print(line)
  end
  stream:send_eof()
end

-- Nobody listening, or the server going away, ends the client with status 1.
local ok, err = trio.pcall(exchange)
if not ok then
  if not (trio.iserror(err, "OSError") or trio.iserror(err, "BrokenResourceError")
      or trio.iserror(err, "ClosedResourceError")) then
    error(err, 0)
  end
  io.stdout:flush()
  io.stderr:write("echo_client: ", tostring(err), "\n")
  os.exit(1)
end
