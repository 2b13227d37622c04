#!/usr/bin/env bash
# soak.sh - `make bench-soak`: SOAK_CONNS (10 000, or what the fd limit allows) concurrent
# echo connections against scripts/echo_server.lua for SOAK_SECS (60) after SOAK_WARM (10) s
# of warm-up. Checks: no error, no lost or corrupted byte, server RSS at the end within 5 %
# of RSS after warm-up, server fds back to where they started once the clients leave.
# Usage: bench/soak.sh [SERVER]   (SERVER: a name from lib.sh, default ltrio)
set -u
. "$(dirname "$0")/lib.sh"
S=${1:-ltrio}
SECS=${SOAK_SECS:-60}; WARM=${SOAK_WARM:-10}; N=${SOAK_CONNS:-10000}
limit=$(ulimit -n)
if [ "$N" -gt $((limit - 100)) ]; then
  echo "note: fd limit $limit allows $((limit - 100)) connections, not $N"; N=$((limit - 100))
fi
bench_build || exit 1
busy_check
why=$(server_missing "$S")
if [ -n "$why" ]; then echo "soak: skipped, server $S: $why"; exit 0; fi
server_start "$S" || { echo "soak: server $S $SRV_WHY"; exit 1; }
echo "soak: $S on port $SRV_PORT, $N connections, ${WARM} s warm-up then ${SECS} s"
r=$(load soak -c "$N" -s 64 -d "$SECS" -w "$WARM")
server_stop
echo "$r"
[ -n "$r" ] || { echo "soak: FAIL (no result from the load generator)"; exit 1; }
verdict=$(echo "$r" | tr ' ' '\n' | awk -F= '{v[$1] = $2} END {
  if (v["errors"] != 0) print "errors=" v["errors"]
  if (v["corrupt"] != 0) print "corrupted bytes=" v["corrupt"]
  if (v["lost"] != 0) print "lost bytes=" v["lost"]
  if (v["rss_growth_pct"] + 0 > 5) print "RSS grew " v["rss_growth_pct"] "% (budget 5%)"
  if (v["fds_after"] + 0 > v["fds_before"] + 0) print "fds " v["fds_before"] " before, " v["fds_after"] " after"
}' | paste -sd ';' -)
{ echo "# soak: $S, $N connections, ${SECS} s, $(date -u '+%Y-%m-%d %H:%M UTC')"; echo; echo "    $r"; echo
  [ -z "$verdict" ] && echo "PASS" || echo "FAIL: $verdict"; } >"$RES/soak-$S.md"
if [ -z "$verdict" ]; then echo "soak: PASS"; else echo "soak: FAIL: $verdict"; exit 1; fi
