-- echo_client.lua - sends lines to an echo server and prints what comes back.
--
--   ltrio scripts/echo_client.lua HOST PORT [message...]
--
-- Each message (or, with none, each line of standard input) is sent as one line; the
-- client waits for its echo and prints it. Exits with status 1 if the server goes away.

local trio = require "ltrio"

local host, port = arg[1], math.tointeger(tonumber(arg[2] or ""))
if not host or not port then
  io.stderr:write("usage: echo_client.lua HOST PORT [message...]\n")
  os.exit(2)
end

local messages = {}
for i = 3, #arg do messages[#messages + 1] = arg[i] end
if #messages == 0 then
  for line in io.lines() do messages[#messages + 1] = line end
end

local stream <close> = trio.open_tcp_stream(host, port)
local pending = ""   -- bytes received beyond the lines printed so far

-- Reads until one whole line has arrived; returns it without its newline.
local function receive_line()
  while true do
    local nl = pending:find("\n", 1, true)
    if nl then
      local line = pending:sub(1, nl - 1)
      pending = pending:sub(nl + 1)
      return line
    end
    local data = stream:receive_some()
    if data == "" then error("echo_client: the server closed the connection", 0) end
    pending = pending .. data
  end
end

for _, message in ipairs(messages) do
  stream:send_all(message .. "\n")
  print(receive_line())
end
stream:send_eof()
