# lib.sh - shared by the bench scripts: building, the server registry, starting and
# stopping a pinned server, running the pinned load generator. Sourced, never run.
# All traffic is on 127.0.0.1; every wait below is bounded.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B="$ROOT/build/bench"
RES="$ROOT/bench/results"
LTRIO="$ROOT/build/ltrio"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
NEXT_PORT=${BENCH_PORT:-5700}
SRV_PID=""; SRV_PORT=""; SRV_WHY=""
mkdir -p "$B" "$RES"
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# CPU pinning: server on CPU 1, load on CPU 0, when there are two CPUs and taskset.
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN_SRV="taskset -c 1"; PIN_LOAD="taskset -c 0"
else
  PIN_SRV=""; PIN_LOAD=""
  echo "note: taskset or a second CPU missing: server and load are not pinned" >&2
fi

# busy_check: warns when other processes keep the CPUs busy (the numbers would be noisy).
busy_check() {
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$load" 'BEGIN{exit !(l > 0.5)}'; then
    echo "warning: load average $load before the run: other processes share the CPUs," \
         "numbers will be noisy"
  fi
}

# Builds the load generator and the C reference server (-O2) into build/bench/.
bench_build() {
  cc -O2 -Wall -Wextra -o "$B/loadgen" "$ROOT/bench/loadgen.c" || return 1
  if pkg-config --exists libuv 2>/dev/null; then
    cc -O2 -Wall -Wextra -o "$B/c_libuv_echo" "$ROOT/bench/peers/c_libuv_echo.c" \
      $(pkg-config --cflags --libs libuv) || rm -f "$B/c_libuv_echo"
  fi
}

# The echo servers, in table order. c_libuv is the reference the ratios divide by.
ECHO_SERVERS="c_libuv ltrio ltrio_raw luv cqueues luasocket trio node"

# lua_for MODULE: the first Lua (5.4 preferred) that can require MODULE; Debian's lua-luv,
# lua-cqueues and lua-socket ship 5.4 builds, older ones are a fallback.
lua_for() {
  local l
  for l in lua5.4 lua5.3 lua5.2 lua5.1; do
    command -v $l >/dev/null && $l -e "require '$1'" 2>/dev/null && { echo $l; return; }
  done
}

# server_cmd NAME PORT: prints the command line that starts server NAME on PORT.
server_cmd() {
  case $1 in
    c_libuv)   echo "$B/c_libuv_echo $2" ;;
    ltrio)     echo "$LTRIO $ROOT/scripts/echo_server.lua $2 127.0.0.1" ;;
    ltrio_raw) echo "$LTRIO $ROOT/bench/ltrio_echo_raw.lua $2" ;;
    luv)       echo "$(lua_for luv) $ROOT/bench/peers/luv_echo.lua $2" ;;
    cqueues)   echo "$(lua_for cqueues) $ROOT/bench/peers/cqueues_echo.lua $2" ;;
    luasocket) echo "$(lua_for socket) $ROOT/bench/peers/luasocket_echo.lua $2" ;;
    trio)      echo "$PY $ROOT/bench/peers/trio_echo.py $2" ;;
    node)      echo "node $ROOT/bench/peers/node_echo.js $2" ;;
    node_http) echo "node $ROOT/bench/peers/node_http.js $2" ;;
    ltrio_http) echo "$LTRIO $ROOT/scripts/http_hello.lua $2 127.0.0.1" ;;
  esac
}

# server_missing NAME: prints why NAME cannot run here (nothing when it can).
server_missing() {
  case $1 in
    c_libuv) [ -x "$B/c_libuv_echo" ] || echo "not built (libuv1-dev or cc missing)" ;;
    ltrio|ltrio_raw|ltrio_http)
      local f; f=$(server_cmd "$1" 0 | awk '{print $2}')
      if [ ! -x "$LTRIO" ]; then echo "build/ltrio not built (make all)"
      elif [ ! -f "$f" ]; then echo "${f#$ROOT/} does not exist yet"
      elif ! "$LTRIO" -e 'assert(require("ltrio").socket.socket)' >/dev/null 2>&1; then
        echo "ltrio has no trio.socket yet"
      fi ;;
    luv|cqueues|luasocket)
      local m=$1 l; [ "$m" = luasocket ] && m=socket
      l=$(lua_for $m)
      if [ -z "$l" ]; then echo "no Lua can load module '$m' (make bench-deps)"
      elif [ "$l" != lua5.4 ]; then echo "note: $1 runs under $l (no Lua 5.4 build of '$m')" >&2; fi ;;
    trio) "$PY" -c 'import trio' 2>/dev/null || echo "python3-trio missing (make bench-deps)" ;;
    node|node_http) command -v node >/dev/null || echo "nodejs missing (make bench-deps)" ;;
  esac
}

# port_open PORT: true when something accepts on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# server_start NAME: starts NAME pinned to CPU 1 on a fresh port; sets SRV_PID, SRV_PORT.
# Returns 1 (with the reason in SRV_WHY) when it exits or does not listen within 10 s.
server_start() {
  SRV_PORT=$NEXT_PORT
  while port_open "$SRV_PORT"; do SRV_PORT=$((SRV_PORT + 1)); done
  NEXT_PORT=$((SRV_PORT + 1))
  [ "$NEXT_PORT" -gt 6600 ] && NEXT_PORT=${BENCH_PORT:-5700}
  $PIN_SRV $(server_cmd "$1" "$SRV_PORT") >"$RES/server.log.tmp" 2>&1 &
  SRV_PID=$!
  local i
  for i in $(seq 100); do
    if port_open "$SRV_PORT"; then sleep 0.1; return 0; fi
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1
  done
  SRV_WHY="did not listen: $(tail -n 3 "$RES/server.log.tmp" | tr '\n' ' ')"
  server_stop
  return 1
}

# server_stop: ends the server this script started and waits for it (at most 5 s).
server_stop() {
  [ -n "$SRV_PID" ] || return 0
  kill "$SRV_PID" 2>/dev/null
  local i
  for i in $(seq 50); do kill -0 "$SRV_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SRV_PID" 2>/dev/null
  wait "$SRV_PID" 2>/dev/null
  SRV_PID=""
}

# load MODE ARGS...: runs the pinned load generator against the current server;
# prints its RESULT line (and passes its other output to stderr).
load() {
  local m=$1; shift
  $PIN_LOAD "$B/loadgen" "$m" -p "$SRV_PORT" --pid "$SRV_PID" "$@" 2>&1 |
    awk '/^RESULT /{r=$0; next} {print > "/dev/stderr"} END{print r}'
}

# field LINE KEY: the value of KEY=value in a RESULT line.
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k{print $2}'; }

trap 'server_stop' EXIT
