-- fd_passing.lua - hands a connected TCP socket to another process over a Unix socket
-- (sendmsg with SCM_RIGHTS); the other process then serves the connection.
--
--   ltrio scripts/fd_passing.lua              demo: runs both sides, prints the story
--   ltrio scripts/fd_passing.lua child PATH   the receiving side (the demo starts it)
--
-- The demo listens on 127.0.0.1 (a free port) and on a Unix socket, starts itself as
-- the child with io.popen, accepts a TCP connection from its own client, passes the
-- accepted socket to the child and closes its copy. The child answers the client on
-- that socket; the client prints the answer. The child's output comes back through an
-- FdStream over its pipe, which also tells when the child has exited. Exit status 0
-- when the answer came back; 1 when the child exited first, or 10 seconds passed.

local trio = require "ltrio"
local socket = trio.socket

-- A string as a Lua literal on one line ("a\nb").
local function show(s)
  return (string.format("%q", s):gsub("\\\n", "\\n"))
end

-- The child: receives one fd, wraps it as a stream, answers one line on it.
local function child(path)
  local stream <close> = trio.open_unix_socket(path)
  local sock = stream.socket
  local data, ancdata = sock:recvmsg(64, socket.CMSG_SPACE(string.packsize("i")))
  local fd
  for _, cmsg in ipairs(ancdata) do
    if cmsg[1] == socket.SOL_SOCKET and cmsg[2] == socket.SCM_RIGHTS then
      fd = string.unpack("i", cmsg[3])
    end
  end
  if not fd then
    io.stderr:write("fd_passing child: no fd received (got " .. #data .. " bytes)\n")
    os.exit(1)
  end
  print("child: received fd " .. fd .. " with message " .. show(data))
  local conn <close> = trio.SocketStream(socket.socket(nil, nil, nil, fd))
  local line = ""
  repeat
    local more = conn:receive_some()
    line = line .. more
  until more == "" or line:find("\n", 1, true)
  print("child: the client says " .. show(line))
  conn:send_all("child process answers: " .. line)
  conn:send_eof()
  io.stdout:flush()
end

-- The interpreter that runs this script: arg's lowest index (options such as -W or -e
-- come between it and the script).
local function interpreter()
  local i = -1
  while arg[i - 1] do i = i - 1 end
  return arg[i] or os.getenv("LTRIO_HOST") or "ltrio"
end

local function demo()
  local host = interpreter()
  local path = os.tmpname()
  os.remove(path)   -- only the name is wanted: bind creates the socket file

  local unix <close> = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
  unix:bind(path)
  local _ <close> = setmetatable({}, {__close = function() os.remove(path) end})  -- on any exit
  unix:listen(1)
  local listener <close> = trio.open_tcp_listeners(0, {host = "127.0.0.1"})[1]
  local addr = listener.socket:getsockname()
  print("parent: listening on " .. tostring(addr) .. " and " .. path)

  local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
  local cmd = quote(host) .. " " .. quote(arg[0]) .. " child " .. quote(path)
  local proc = io.popen(cmd, "r")
  local child_out <close> = trio.lowlevel.FdStream(proc)  -- the child's output, as a stream
  local output, connected, child_gone_early = {}, false, false

  -- The exchange: the child connects, gets the accepted TCP socket, answers the client.
  local function exchange()
    local channel <close> = (unix:accept())   -- the child connects
    connected = true
    local client <close> = trio.open_tcp_stream("127.0.0.1", addr[2])
    local accepted <close> = listener:accept()   -- closed on every exit, an error included
    local fd = accepted.socket:fileno()
    channel:sendmsg({"here you go"}, {{socket.SOL_SOCKET, socket.SCM_RIGHTS, string.pack("i", fd)}})
    accepted:close()   -- the child now holds the only server-side copy
    print("parent: passed fd " .. fd .. " to the child and closed it")

    client:send_all("hello from the client\n")
    local answer = ""
    while true do
      local data = client:receive_some()
      if data == "" then break end
      answer = answer .. data
    end
    io.write("client: got ", show(answer), "\n")
    return answer
  end

  -- The exchange beside a task that collects the child's output until the child exits
  -- (its end of file). A child that exits before it connected never will: the exchange,
  -- waiting in accept, is cancelled. (One that exits later closes its copy of the TCP
  -- socket: the client sees the end of the answer.) All within 10 seconds.
  local ok, answer = trio.pcall(trio.fail_after, 10, trio.open_nursery, function(nursery)
    nursery:start_soon(function()
      while true do
        local data = child_out:receive_some()
        if data == "" then break end
        output[#output + 1] = data
      end
      if not connected then
        child_gone_early = true
        nursery.cancel_scope:cancel()
      end
    end)
    return exchange()
  end)
  os.remove(path)   -- a child that has not connected yet now fails and exits
  io.write(table.concat(output))
  local failure
  if child_gone_early then
    failure = "the child exited before it answered"
  elseif not ok then   -- 'answer' is the error: a network error is reported, not traced back
    if not (trio.iserror(answer, "OSError") or trio.iserror(answer, "BrokenResourceError")
        or trio.iserror(answer, "ClosedResourceError") or trio.iserror(answer, "TooSlowError")) then
      error(answer, 0)
    end
    failure = tostring(answer)
  elseif not answer:find("child process answers: hello from the client", 1, true) then
    failure = "unexpected answer"
  elseif not proc:close() then   -- its output has ended: it exits, if it has not already
    failure = "the child failed"
  end
  if failure then
    io.stderr:write("fd_passing: " .. failure .. "\n")   -- one write: the child shares stderr
    os.exit(1)   -- without waiting for the child (a blocking pclose): it fails on its own
  end
  print("fd_passing: ok")
end

if arg[1] == "child" and arg[2] and #arg == 2 then
  local ok, err = trio.pcall(child, arg[2])
  if not ok then
    -- a path nobody listens on, a connection the parent dropped: one line, status 1
    if not (trio.iserror(err, "OSError") or trio.iserror(err, "BrokenResourceError")
            or trio.iserror(err, "ClosedResourceError")) then error(err, 0) end
    io.stderr:write("fd_passing child: " .. tostring(err) .. "\n")
    os.exit(1)
  end
elseif arg[1] == nil then
  demo()
else
  io.stderr:write("usage: fd_passing.lua | fd_passing.lua child PATH\n")
  os.exit(2)
end
