#!/usr/bin/env bash
# etcd-server (Debian's etcd, 3.4) for the coordination tests, which start
# their own etcd on loopback with a temp data directory. Without root and
# without etcd those tests are skipped, with their reason.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null && ! command -v etcd >/dev/null; then
  echo "deps/etcd: etcd is missing and installing it needs root; the coordination tests will be skipped." >&2
  exit 0
fi
ensure_debian_packages deps/etcd etcd-server
