#!/usr/bin/env bash
# The test command: installs everything the tests need (npm packages, Debian's
# Go toolchain and step-ca sources, the step-ca build), then type-checks, lints
# and runs every test, including the integration tests against a real step-ca.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/stepca/build.sh
bash scripts/deps/guests.sh
pnpm build
pnpm typecheck
pnpm lint
mkdir -p .cache
status=0
pnpm exec jest --json --outputFile=.cache/jest-results.json "$@" || status=$?
# A plain closing line that any CI reader understands.
node -e '
  const r = require("./.cache/jest-results.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' || true
exit "$status"
