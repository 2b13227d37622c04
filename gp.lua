local trio = require "ltrio"
local ok, st = trio.pcall(trio.open_tcp_stream, "127.0.0.1", )
print("open:", ok, st)
if ok then trio.sleep(0.2); print(pcall(st.socket.getsockname, st.socket)); print(pcall(st.socket.getpeername, st.socket)) end
