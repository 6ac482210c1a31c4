#!/usr/bin/env bash
# Regenerates the committed traces and traces/MANIFEST from their gen commands
# (run after `npm run build`; a test checks that the files still match).
set -euo pipefail
cd "$(dirname "$0")/.."
COMMANDS=(
  "trace gen --flows 100 --seed 1 --out traces/small-mixed.pcap"
  "trace gen --flows 30 --seed 5 --out traces/small-mixed.pcapng"
  "trace gen --flows 600 --seed 2 --mix tcp=0.1,udp=0.7,icmp=0.1,synflood=0.01 --out traces/many-flows.pcap"
  "trace gen --flows 40 --seed 3 --malformed --out traces/malformed.pcap"
  "trace gen --flows 16 --seed 4 --mix scan=0.25,tcp=0.5,udp=0.25 --out traces/scan.pcap"
)
{
  echo "# Committed traces: file, packets, sha256, and the statelab command that generated it."
  echo "# Columns are TAB-separated. Regenerate with traces/regenerate.sh; test/traces checks them."
  for cmd in "${COMMANDS[@]}"; do
    # shellcheck disable=SC2086
    node dist/cli/main.js $cmd >/dev/null
    out="${cmd##*--out }"
    pkts=$(node dist/cli/main.js trace info "$out" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).packets))')
    sha=$(sha256sum "$out" | cut -d' ' -f1)
    printf '%s\t%s\t%s\t%s\n' "${out#traces/}" "$pkts" "$sha" "$cmd"
  done
} > traces/MANIFEST
cat traces/MANIFEST
