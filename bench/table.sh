#!/usr/bin/env bash
# table.sh - turns run.sh's raw rows ("server test key value", one per measurement) into
# the markdown report: medians, each with its ratio to the c_libuv server.
# Usage: table.sh RAW HTTP_RAW NOTES "SERVERS" REPS DUR   (POSIX awk: mawk is enough)
RAW=$1 HTTP=$2 NOTES=$3 SERVERS=$4 REPS=$5 DUR=$6
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
echo "# ltrio benchmark: echo servers side by side"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($cpu), Linux $(uname -r)."
echo "Server pinned to CPU 1, load generator to CPU 0; median of $REPS run(s) of ${DUR} s."
echo "Each cell: the median, then its ratio to raw C libuv (×). Rows marked ↓: lower is better."
echo
awk -v servers="$SERVERS" '
function median(key,   n, i, j, a, t) {
  n = cnt[key]; if (!n) return ""
  for (i = 1; i <= n; i++) a[i] = val[key, i]
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n/2] + a[n/2 + 1]) / 2
}
function fmt(v) {
  if (v + 0 >= 100 || v == int(v)) return sprintf("%d", v + 0.5)
  return sprintf(v + 0 < 1 ? "%.2f" : "%.1f", v)
}
function row(label, t, k,   i, s, v, b, cell, line, any) {
  for (i = 1; i <= ns; i++) if (cnt[S[i] SUBSEP t SUBSEP k]) any = 1
  if (!any) return   # a test this run did not include
  line = "| " label " |"
  b = median("c_libuv" SUBSEP t SUBSEP k)
  for (i = 1; i <= ns; i++) {
    s = S[i]; v = median(s SUBSEP t SUBSEP k)
    if (v == "" || v < 0) cell = "–"
    else {
      cell = fmt(v)
      if (b != "" && b > 0) cell = cell sprintf(" (%.2f×)", v / b)
      if (err[s, t] > 0) cell = cell " !"
    }
    line = line " " cell " |"
  }
  print line
}
# The ratio of every run to the c_libuv run of the same repetition (rows come in
# repetition order): the lowest and highest, to show how much a median can move.
function spread(label, t, k,   i, j, s, c, n, r, lo, hi, line, any) {
  c = "c_libuv" SUBSEP t SUBSEP k
  if (cnt[c] < 2) return
  line = "| " label " |"
  for (i = 1; i <= ns; i++) {
    s = S[i] SUBSEP t SUBSEP k; n = cnt[s] < cnt[c] ? cnt[s] : cnt[c]; lo = ""; hi = ""
    for (j = 1; j <= n; j++) {
      if (val[c, j] <= 0 || val[s, j] < 0) continue
      r = val[s, j] / val[c, j]
      if (lo == "" || r < lo) lo = r
      if (hi == "" || r > hi) hi = r
    }
    if (lo == "" || S[i] == "c_libuv") line = line " – |"
    else { line = line sprintf(" %.2f–%.2f |", lo, hi); any = 1 }
  }
  if (any) print line
}
BEGIN { ns = split(servers, S, " ") }
{ key = $1 SUBSEP $2 SUBSEP $3; val[key, ++cnt[key]] = $4
  if ($3 == "errors" || $3 == "corrupt" || $3 == "lost") err[$1, $2] += $4
  if ($2 == "idle" && $3 == "conns") idle[$1] = $4 }
END {
  head = "| work |"; sep = "|---|"
  for (i = 1; i <= ns; i++) { head = head " " S[i] " |"; sep = sep "---|" }
  print head; print sep
  row("ping-pong 64 B, 1 conn (req/s)", "pp1", "rps")
  row("ping-pong 64 B, 100 conns (req/s)", "pp100", "rps")
  row("ping-pong 64 B, 1000 conns (req/s)", "pp1000", "rps")
  row("p99 latency, 100 conns (µs) ↓", "pp100", "p99_us")
  row("server CPU per request, 100 conns (µs) ↓", "pp100", "cpu_us_per_op")
  row("server CPU per request, 1000 conns (µs) ↓", "pp1000", "cpu_us_per_op")
  row("server user-space CPU per request, 100 conns (µs) ↓", "pp100", "user_us_per_op")
  row("server user-space CPU per request, 1000 conns (µs) ↓", "pp1000", "user_us_per_op")
  row("bulk stream, 1 conn, 64 KiB writes (MB/s)", "stream", "mbps")
  row("server CPU per MB echoed, bulk stream (µs) ↓", "stream", "cpu_us_per_mb")
  row("connect-echo-close, 64 in flight (conn/s)", "connect", "conns_s")
  row("server CPU per connection (µs) ↓", "connect", "cpu_us_per_op")
  row("idle memory per connection (bytes) ↓", "idle", "bytes_per_conn")
  spread("ping-pong 100 conns: lowest–highest ratio of a run", "pp100", "rps")
  spread("ping-pong 1000 conns: lowest–highest ratio of a run", "pp1000", "rps")
  spread("bulk stream: lowest–highest ratio of a run", "stream", "mbps")
  print ""
  for (i = 1; i <= ns; i++) if (idle[S[i]] != "") in_idle = in_idle " " S[i] "=" idle[S[i]]
  if (in_idle != "") print "Idle connections held:" in_idle "."
  for (k in cnt) { split(k, p, SUBSEP)
    if (p[3] == "load_cpu_pct" && median(k) >= 90 && !(p[2] in said)) {
      said[p[2]] = 1; print "The load generator was near 100 % CPU in test " p[2] \
        ": that row is bounded by the client; the server CPU rows still compare servers." } }
  for (k in err) if (err[k] > 0) { split(k, p, SUBSEP)
    print "! " p[1] " " p[2] ": " err[k] " errors, corrupted or lost bytes in total over the runs." }
}' "$RAW"
if [ -s "$HTTP" ]; then
  echo
  echo "HTTP (wrk -t1 -c100, \"Hello, world\"), requests/s, median:"
  echo
  echo "| server | req/s | ratio to node |"
  echo "|---|---|---|"
  awk '{v[$1] = v[$1] " " $2}
    function med(s,   n, a, i, j, t) { n = split(s, a, " ")
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n/2] + a[n/2 + 1]) / 2 }
    END { b = ("node_http" in v) ? med(v["node_http"]) : 0
      n = split("node_http ltrio_http", order, " ")
      for (i = 1; i <= n; i++) { s = order[i]; if (!(s in v)) continue; m = med(v[s]); printf "| %s | %d | %s |\n", s, m, (b > 0 ? sprintf("%.2f×", m / b) : "–") } }' "$HTTP"
fi
if [ -s "$NOTES" ]; then
  echo
  echo "Notes:"
  echo
  sort -u "$NOTES" | sed 's/^/- /'
fi
