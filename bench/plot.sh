#!/usr/bin/env bash
# plot.sh - the chart of run.sh: ping-pong requests/s per server at 1, 100 and 1000
# connections (medians), as an SVG drawn by gnuplot. Usage: plot.sh RAW OUT.svg "SERVERS"
RAW=$1 OUT=$2 SERVERS=$3
command -v gnuplot >/dev/null || { echo "skip chart: gnuplot missing (make bench-deps)"; exit 0; }
DATA="${OUT%.svg}.dat.tmp"
awk -v servers="$SERVERS" '
function med(s,   n, a, i, j, t) { n = split(s, a, " "); if (!n) return 0
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n/2] + a[n/2 + 1]) / 2 }
$3 == "rps" { v[$1, $2] = v[$1, $2] " " $4 }
END { n = split(servers, S, " ")
  for (i = 1; i <= n; i++) printf "%s %d %d %d\n", S[i], med(v[S[i], "pp1"]), med(v[S[i], "pp100"]), med(v[S[i], "pp1000"]) }' "$RAW" >"$DATA"
gnuplot <<GP
set terminal svg size 900,480 dynamic font "sans,12"
set output "$OUT"
set title "64-byte echo ping-pong on 127.0.0.1 (server on CPU 1, load on CPU 0)"
set ylabel "requests/s (median)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set grid ytics
set yrange [0:*]
set key outside below horizontal
set termoption noenhanced
plot "$DATA" using 2:xtic(1) title "1 connection", '' using 3 title "100 connections", '' using 4 title "1000 connections"
GP
echo "chart: ${OUT#$PWD/}"
