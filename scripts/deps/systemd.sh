#!/usr/bin/env bash
# What the systemd tests need (packages/cli/test/systemd/): systemd-notify
# (certloop sends READY/STOPPING/WATCHDOG with it), systemd-analyze (verifies
# examples/systemd/) and python3 (a unix datagram socket standing in for the
# manager's notification socket). Debian packages, installed only when missing.
set -euo pipefail

missing=()
command -v systemd-notify >/dev/null 2>&1 || missing+=(systemd)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
# De-duplicate (systemd may be listed twice).
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "deps/systemd: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
