#!/usr/bin/env bash
# What the systemd tests need (packages/cli/test/systemd/): systemd-notify
# (certloop sends READY/STOPPING/WATCHDOG with it), systemd-analyze (verifies
# the units) and python3 (a unix datagram socket standing in for the
# manager's notification socket).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_debian_packages deps/systemd systemd python3
