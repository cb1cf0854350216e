#!/usr/bin/env bash
# What the status page test needs (packages/cli/test/page/): Debian's chromium,
# driven headless by puppeteer-core (a devDependency pinned in package.json;
# it downloads no browser of its own), and a font to render text with.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_debian_packages deps/browser chromium fonts-dejavu-core
