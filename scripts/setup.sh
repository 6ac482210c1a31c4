#!/usr/bin/env bash
# One-time, idempotent set-up for `npm test` and `npm run demo` on a fresh
# Debian machine: system packages first (cap's native build needs libpcap-dev),
# then `npm ci` when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the build and the tests need. libclang-rt-14-dev (libFuzzer and
# clang's sanitizer runtimes) is only a Recommends of clang, so it is named here.
NEED=(gcc make libpcap-dev libmsgpack-dev clang libclang-rt-14-dev iproute2 tcpdump valgrind chromium)
missing=()
for pkg in "${NEED[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.statelab-setup-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
