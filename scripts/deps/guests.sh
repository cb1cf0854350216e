#!/usr/bin/env bash
# What the Proxmox guest stand-ins need: a static busybox, copied into each
# fake guest's root so hooks really run inside it (chroot). Without root the
# guest tests are skipped, with their reason, and nothing is installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] && [ ! -x /bin/busybox ]; then
  echo "deps/guests: /bin/busybox is missing and installing it needs root; the guest tests will be skipped." >&2
  exit 0
fi
ensure_debian_packages deps/guests busybox-static
