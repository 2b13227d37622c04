#!/usr/bin/env bash
# run.sh - `make bench`: ltrio's echo servers against every peer, one table of medians
# with ratios to the raw C libuv server; writes bench/results/latest.md and latest.svg
# (quick.md and quick.svg for --quick).
# Usage: bench/run.sh [--quick]   (env: REPS, DUR seconds per measurement, SERVERS, IDLE_N)
set -u
. "$(dirname "$0")/lib.sh"

QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then
  REPS=${REPS:-1}; DUR=${DUR:-2}; WARM=0.5; TESTS=${TESTS:-"pp100 stream idle"}; IDLE_N=${IDLE_N:-1000}
else
  REPS=${REPS:-3}; DUR=${DUR:-4}; WARM=1; TESTS=${TESTS:-"pp1 pp100 pp1000 stream connect idle"}
  IDLE_N=${IDLE_N:-10000}
fi
SERVERS=${SERVERS:-$ECHO_SERVERS}
limit=$(ulimit -n)
if [ "$IDLE_N" -gt $((limit - 100)) ]; then
  echo "note: fd limit $limit: idle test uses $((limit - 100)) connections, not $IDLE_N"
  IDLE_N=$((limit - 100))
fi
RAW="$RES/raw.tmp"; : >"$RAW"; NOTES="$RES/notes.tmp"; : >"$NOTES"
busy_check | tee -a "$NOTES"

bench_build || { echo "bench: cannot build the load generator"; exit 1; }

# Which servers can run; each one that cannot is named with its reason.
RUN_SERVERS=""
for s in $SERVERS; do
  why=$(server_missing "$s")
  if [ -n "$why" ]; then echo "skip $s: $why" | tee -a "$NOTES"; else RUN_SERVERS="$RUN_SERVERS $s"; fi
done

# measure TEST SERVER: one measurement on a fresh server; appends "server test key value" rows.
measure() {
  local t=$1 s=$2 r n=$IDLE_N
  if ! server_start "$s"; then
    echo "skip $s ($t): $SRV_WHY" | tee -a "$NOTES"; return
  fi
  case $t in
    pp1)     r=$(load pingpong -c 1 -s 64 -d "$DUR" -w "$WARM") ;;
    pp100)   r=$(load pingpong -c 100 -s 64 -d "$DUR" -w "$WARM") ;;
    pp1000)  r=$(load pingpong -c 1000 -s 64 -d "$DUR" -w "$WARM") ;;
    stream)  r=$(load stream -c 1 -s 65536 -d "$DUR" -w "$WARM") ;;
    connect) r=$(load connect -c 64 -s 64 -d "$DUR" -w "$WARM") ;;
    idle)    [ "$s" = luasocket ] && [ "$n" -gt 1000 ] && n=1000   # select(2): FD_SETSIZE
             r=$(load idle -c "$n" -d 2) ;;
  esac
  if ! kill -0 "$SRV_PID" 2>/dev/null; then
    echo "$s ($t): the server exited during the test: $(tail -n 2 "$RES/server.log.tmp" | tr '\n' ' ')" |
      tee -a "$NOTES"
  fi
  server_stop
  printf '%-10s %-8s %s\n' "$s" "$t" "${r#RESULT }"
  local k
  for k in rps p99_us cpu_us_per_op user_us_per_op mbps cpu_us_per_mb conns_s bytes_per_conn conns load_cpu_pct errors corrupt lost; do
    local v; v=$(field "$r" "$k")
    [ -n "$v" ] && echo "$s $t $k $v" >>"$RAW"
  done
  [ -z "$r" ] && echo "$s $t errors 1" >>"$RAW"
}

# Interleaved: every repetition runs every test on every server in turn.
for rep in $(seq "$REPS"); do
  echo "== repetition $rep of $REPS"
  for t in $TESTS; do for s in $RUN_SERVERS; do measure "$t" "$s"; done; done
done

# HTTP: wrk against ltrio's hello script and Node's http module.
HTTP_RAW="$RES/http.tmp"; : >"$HTTP_RAW"
if [ $QUICK = 0 ]; then
  if ! command -v wrk >/dev/null; then echo "skip HTTP: wrk missing (make bench-deps)" | tee -a "$NOTES"
  else
    for rep in $(seq "$REPS"); do for s in node_http ltrio_http; do
      why=$(server_missing "$s")
      if [ -n "$why" ]; then [ "$rep" = 1 ] && echo "skip $s: $why" | tee -a "$NOTES"; continue; fi
      server_start "$s" || { echo "skip $s: $SRV_WHY" | tee -a "$NOTES"; continue; }
      out=$($PIN_LOAD wrk -t1 -c100 -d"${DUR}s" "http://127.0.0.1:$SRV_PORT/" 2>&1)
      server_stop
      rps=$(echo "$out" | awk '/^Requests\/sec/{print $2}')
      bad=$(echo "$out" | awk '/Non-2xx|Socket errors/{print}' | tr '\n' ' ')
      echo "$s wrk ${rps:-0} req/s $bad"
      echo "$s ${rps:-0}" >>"$HTTP_RAW"
      [ -n "$bad" ] && echo "$s (HTTP): $bad" >>"$NOTES"
    done; done
  fi
fi

OUT=latest; [ $QUICK = 1 ] && OUT=quick   # a quick run never replaces the full report
bash "$ROOT/bench/table.sh" "$RAW" "$HTTP_RAW" "$NOTES" "$SERVERS" "$REPS" "$DUR" >"$RES/$OUT.md"
cat "$RES/$OUT.md"
bash "$ROOT/bench/plot.sh" "$RAW" "$RES/$OUT.svg" "$SERVERS"
