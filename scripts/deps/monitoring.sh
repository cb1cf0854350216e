#!/usr/bin/env bash
# What the monitoring tests need (packages/cli/test/monitoring/): promtool, to
# check examples/monitoring/prometheus-rules.yaml and run its rule unit tests.
# Debian ships it in the `prometheus` package; installed only when missing.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
echo "deps/monitoring: installing prometheus (for promtool)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: promtool is all the tests use; the server is not started.
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package's postinst may start the server where an init system runs; the tests do not need it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
