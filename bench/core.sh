#!/usr/bin/env bash
# core.sh - `make bench-core`: checkpoints/s, spawn+join/s and memory per sleeping task in
# ltrio, beside Python Trio and plain Lua 5.4 coroutines (the floor), with ratios.
# Each figure is the median of REPS (3) runs pinned to CPU 1. Writes bench/results/core.md.
set -u
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-3}
C="$ROOT/bench/core"
RAW="$RES/core.tmp"; : >"$RAW"
WARN=$(busy_check); [ -n "$WARN" ] && echo "$WARN"

# impl_cmd IMPL METRIC: the command line measuring METRIC (checkpoints|spawn|sleeping).
impl_cmd() {
  case $1 in
    ltrio) echo "$LTRIO $C/$2.lua" ;;
    trio)  echo "$PY $C/$2.py" ;;
    lua)   case $2 in checkpoints) echo "lua5.4 $C/coro_switch.lua" ;;
                      spawn) echo "lua5.4 $C/coro_create.lua" ;;
                      sleeping) echo "lua5.4 $C/coro_memory.lua" ;; esac ;;
  esac
}
impl_missing() {
  case $1 in
    ltrio) [ -x "$LTRIO" ] || echo "build/ltrio not built (make all)" ;;
    trio)  "$PY" -c 'import trio' 2>/dev/null || echo "python3-trio missing (make bench-deps)" ;;
    lua)   command -v lua5.4 >/dev/null || echo "lua5.4 missing" ;;
  esac
}

IMPLS=""
for i in ltrio trio lua; do
  why=$(impl_missing $i)
  if [ -n "$why" ]; then echo "skip $i: $why"; else IMPLS="$IMPLS $i"; fi
done
for rep in $(seq "$REPS"); do
  for m in checkpoints spawn sleeping; do
    for i in $IMPLS; do   # interleaved, as the network bench
      r=$($PIN_SRV $(impl_cmd $i $m) 2>"$RES/core-err.tmp" | awk '/^RESULT /{print}')
      v=$(echo "$r" | tr ' ' '\n' | awk -F= '$1=="rate"||$1=="bytes"{print $2}')
      if [ -z "$v" ]; then echo "$i $m failed: $(tail -n 2 "$RES/core-err.tmp" | tr '\n' ' ')"; continue; fi
      printf '%-6s %-12s %s\n' "$i" "$m" "$v"
      echo "$i $m $v" >>"$RAW"
    done
  done
done

{
  echo "# ltrio core micro-benchmarks"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), pinned to CPU 1, median of $REPS runs."
  echo "Lua: plain Lua 5.4 coroutines doing the same work (resume+yield, create+run, a suspended"
  echo "coroutine): the floor no Lua engine beats. Memory: lower is better."
  [ -n "$WARN" ] && { echo; echo "$WARN"; }
  echo
  awk '
  function med(s,   n, a, i, j, t) { n = split(s, a, " "); if (!n) return ""
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n/2] + a[n/2 + 1]) / 2 }
  function cell(v) { return v == "" ? "–" : sprintf("%d", v + 0.5) }
  function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f×", a / b) }
  { v[$1, $2] = v[$1, $2] " " $3 }
  END {
    print "| work | ltrio | Python Trio | Lua 5.4 | ltrio/Trio | ltrio/Lua |"
    print "|---|---|---|---|---|---|"
    split("checkpoints spawn sleeping", M, " ")
    L["checkpoints"] = "checkpoints/s (trio.sleep(0); Lua: resume+yield)"
    L["spawn"] = "spawn+join/s (start_soon in batches of 1000; Lua: create+run)"
    L["sleeping"] = "memory per sleeping task, 100 000 tasks (bytes)"
    for (k = 1; k <= 3; k++) { m = M[k]
      a = med(v["ltrio", m]); b = med(v["trio", m]); c = med(v["lua", m])
      printf "| %s | %s | %s | %s | %s | %s |\n", L[m], cell(a), cell(b), cell(c), ratio(a, b), ratio(a, c) }
  }' "$RAW"
} >"$RES/core.md"
echo; cat "$RES/core.md"
