#!/usr/bin/env bash
# The quickstart: installs, builds, and reconciles examples/quickstart/ with
# certloop's built-in local CA into examples/quickstart/.certloop-quickstart/:
# the plan before, the reconcile, and a second plan that shows nothing to change.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
pnpm build

manifest=examples/quickstart/certloop.yaml
run() {
  printf '\n\033[1m$ certloop %s\033[0m\n' "$*"
  pnpm exec certloop "$@"
}
run validate -f "$manifest"
run plan -f "$manifest"
run reconcile --once -f "$manifest" --log-format text
run plan -f "$manifest" --detailed-exitcode
echo
echo "Files written under examples/quickstart/.certloop-quickstart/:"
find examples/quickstart/.certloop-quickstart/certs -type f -exec ls -l {} +
