#!/usr/bin/env bash
# demo.sh - 'make demo': starts scripts/echo_server.lua on a free loopback port, runs
# scripts/echo_client.lua against it, prints the exchange and stops the server.
# Exit status 0 when every line came back unchanged.
set -uo pipefail

cd "$(dirname "$0")/.."
build=${LTRIO_BUILD:-build}
ltrio=$build/ltrio
if [[ ! -x $ltrio ]]; then
  echo "demo: $ltrio is missing: run 'make' first" >&2
  exit 2
fi

out=$(mktemp)
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -f "$out"
}
trap cleanup EXIT

"$ltrio" scripts/echo_server.lua 0 127.0.0.1 >"$out" 2>&1 &
server=$!

# Wait (up to 10 s) for the line that names the port.
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^echo_server: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
  [[ -n $port ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "demo: the echo server did not start:" >&2
  cat "$out" >&2
  exit 1
fi
echo "demo: echo_server.lua listening on 127.0.0.1:$port (pid $server)"

messages=("hello, ltrio" "Trio's model, on libuv, from Lua 5.4" "bye")
echo "demo: echo_client.lua sends:"
printf '  > %s\n' "${messages[@]}"
if ! echoed=$("$ltrio" scripts/echo_client.lua 127.0.0.1 "$port" "${messages[@]}"); then
  echo "demo: echo_client.lua failed" >&2
  exit 1
fi
echo "demo: and prints what the server sent back:"
sed 's/^/  < /' <<<"$echoed"

expected=$(printf '%s\n' "${messages[@]}")
if [[ $echoed != "$expected" ]]; then
  echo "demo: FAILED: the echo differs from what was sent" >&2
  exit 1
fi
echo "demo: ok"
