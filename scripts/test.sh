#!/usr/bin/env bash
# The test command: installs everything the tests need (npm packages, Debian's
# Go toolchain and step-ca sources, the step-ca build, Debian's packaging and
# guest tools), builds what ships (`pnpm package`: the bundle, the single
# executable, the .deb and the npm tarball), type-checks, lints and runs every
# test, including the integration tests against a real step-ca. The tests that
# run certloop run the bundle; they run once more against the single
# executable (CERTLOOP_BIN), so what ships is what is tested.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/deps/packaging.sh    # dpkg-dev, lintian, man-db, systemd-analyze: the .deb and its test
bash scripts/deps/systemd.sh      # systemd-notify and python3: the readiness test's notify socket
bash scripts/deps/monitoring.sh   # promtool (Debian's prometheus): the alert rules' tests
bash scripts/deps/browser.sh      # chromium: the status page, rendered in a real browser
bash scripts/deps/guests.sh       # busybox-static: guest roots for the pct/qm stand-ins
bash scripts/deps/etcd.sh         # etcd-server: the coordination tests' real etcd on loopback
bash scripts/stepca/build.sh
pnpm package
pnpm typecheck
pnpm lint
mkdir -p .cache
rm -f .cache/jest-*.json

status=0
pnpm exec jest --json --outputFile=.cache/jest-bundle.json "$@" || status=$?

# The tests that spawn certloop, against the single executable. The property
# tests run in-process (the same either way) and the .deb test installs its
# own artifact: both are left out here.
if [ "$#" -eq 0 ]; then
  CERTLOOP_BIN="$PWD/dist/certloop-linux-x64" pnpm exec jest --json --outputFile=.cache/jest-executable.json \
    --testPathIgnorePatterns '/test/faults/input\.test\.ts$' '/test/package/' '/test/artifact/(no-node|npm-package)\.test\.ts$' \
    -- packages/cli/test/e2e packages/cli/test/faults packages/cli/test/service packages/cli/test/install \
    packages/cli/test/artifact packages/cli/test/migrate packages/cli/test/export packages/cli/test/status \
    packages/cli/test/plan packages/cli/test/help packages/cli/test/preflight packages/cli/test/logs \
    packages/cli/test/systemd packages/cli/test/monitoring packages/cli/test/page packages/cli/test/coordination \
    packages/cli/test/launcher.test.ts packages/cli/test/validate.test.ts || status=$?
fi

# A plain closing line that any CI reader understands, over both runs.
node -e '
  const fs = require("fs");
  const runs = fs.readdirSync(".cache").filter((f) => /^jest-.*\.json$/.test(f));
  const sum = (key) => runs.reduce((n, f) => n + JSON.parse(fs.readFileSync(".cache/" + f, "utf8"))[key], 0);
  console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`);
' || true
exit "$status"
