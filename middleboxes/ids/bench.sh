#!/usr/bin/env bash
# bench.sh — CPU seconds (user+sys, best of N) of build/ids on shared traces,
# with the bundled rules and with an empty rule set, in one run; prints a
# markdown table whose last column is the ratio (cost of signature matching).
set -euo pipefail
cd "$(dirname "$0")"
N=${N:-5}
TRACES=${TRACES:-"cicids2017-webattack-xss ftp-bruteforce-1400conns home-web-browsing synflood-spoofed-realworld"}
DIR=${TRACE_DIR:-../../../shared/traces}
make -s all >/dev/null
empty=$(mktemp)
trap 'rm -f "$empty"' EXIT
TIMEFORMAT="%3U %3S"
best() { # rules trace
  local b=""
  for _ in $(seq "$N"); do
    local c; c=$( { time ./build/ids -c "$1" -r "$2" >/dev/null 2>&1; } 2>&1 | awk '{printf "%.3f", $1+$2}')
    if [ -z "$b" ] || awk -v c="$c" -v b="$b" 'BEGIN{exit !(c<b)}'; then b=$c; fi
  done
  echo "$b"
}
echo "| trace | packets | ids.rules CPU s | no rules CPU s | ratio |"
echo "|---|---|---|---|---|"
for t in $TRACES; do
  f="$DIR/$t.pcap"
  [ -f "$f" ] || continue
  pk=$(./build/ids -c "$empty" -r "$f" 2>&1 >/dev/null | sed -n 's/^ids: packets \([0-9]*\).*/\1/p')
  a=$(best ids.rules "$f"); b=$(best "$empty" "$f")
  r=$(awk -v a="$a" -v b="$b" 'BEGIN{ if (b > 0) printf "%.1f", a/b; else print "n/a" }')
  echo "| $t | $pk | $a | $b | $r |"
done
