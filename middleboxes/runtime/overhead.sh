#!/usr/bin/env bash
# overhead.sh — per-packet instruction cost of an instrumented middlebox run with
# --sa-mode off, against its --plain build, with callgrind (BENCHMARKS.md).
# usage: overhead.sh <plain-binary> <instrumented-binary> <trace> <middlebox-dir> [args...]
# Per-packet cost = (Ir on the trace - Ir on an empty trace) / packets, so
# start-up (config parsing, rule compilation) does not dilute the ratio.
# COUNT_BIN=<binary from statelab build --count-marks> also prints the updated-bit
# marks executed per packet (a --sa-mode primary run, frames to /dev/null).
set -euo pipefail
# paths made absolute: the runs happen inside the middlebox directory
plain=$(realpath "$1") inst=$(realpath "$2") trace=$(realpath "$3") dir=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# an empty capture with the trace's own file header (24 bytes)
head -c 24 "$trace" >"$work/empty.pcap"
pkts=$(tcpdump -r "$trace" -nn -tt 2>/dev/null | grep -c '^[0-9]')
ir() { # binary, trace, extra args...
  local bin=$1 tr=$2
  shift 2
  if ! (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" "$@" -r "$tr" -l /dev/null >/dev/null 2>"$work/err"); then
    echo "overhead.sh: $bin -r $tr failed:" >&2
    tail -n 5 "$work/err" >&2
    exit 2
  fi
  callgrind_annotate "$work/cg.out" >"$work/cg.txt" 2>/dev/null
  awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$work/cg.txt"
}
p1=$(ir "$plain" "$trace" "$@") || exit 2
p0=$(ir "$plain" "$work/empty.pcap" "$@") || exit 2
i1=$(ir "$inst" "$trace" --sa-mode off "$@") || exit 2
i0=$(ir "$inst" "$work/empty.pcap" --sa-mode off "$@") || exit 2
marks=""
if [ -n "${COUNT_BIN:-}" ]; then
  marks=$(cd "$dir" && SA_STATS=1 "$COUNT_BIN" --sa-mode primary "$@" -r "$trace" -l /dev/null 3>/dev/null 2>&1 >/dev/null |
    sed -n 's/.*marks_per_packet=\([0-9.]*\).*/ marks_per_pkt=\1/p')
fi
awk -v p1="$p1" -v p0="$p0" -v i1="$i1" -v i0="$i0" -v n="$pkts" -v marks="$marks" 'BEGIN {
  pp = (p1 - p0) / n; ip = (i1 - i0) / n;
  printf "packets=%d plain_Ir_per_pkt=%.1f off_Ir_per_pkt=%.1f ratio=%.5f overhead=%.3f%%%s\n", n, pp, ip, ip / pp, (ip / pp - 1) * 100, marks }'
