#!/usr/bin/env bash
# What the monitoring tests need (packages/cli/test/monitoring/): promtool, to
# check examples/monitoring/prometheus-rules.yaml and run its rule unit tests.
# Debian ships it in the `prometheus` package; the server itself is not used.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_debian_packages deps/monitoring prometheus
# The package's postinst may start the server where an init system runs; the tests do not need it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
