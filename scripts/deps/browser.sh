#!/usr/bin/env bash
# What the status page test needs (packages/cli/test/page/): Debian's chromium,
# driven headless by puppeteer-core (a devDependency pinned in package.json;
# it downloads no browser of its own). Installed only when missing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "deps/browser: installing chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
