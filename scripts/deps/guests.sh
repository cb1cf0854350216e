#!/usr/bin/env bash
# What the Proxmox guest stand-ins need: a static busybox, copied into each
# fake guest's root so hooks really run inside it (chroot). Debian's
# busybox-static package; installed only when /bin/busybox is missing.
set -euo pipefail
if [ -x /bin/busybox ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "guests.sh: /bin/busybox is missing and installing it needs root; the guest tests will be skipped." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends busybox-static; then
  apt-get update
  apt-get install -y --no-install-recommends busybox-static
fi
