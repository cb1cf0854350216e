#!/usr/bin/env bash
# Installs what certloop needs to build and run: pnpm (the version pinned in
# package.json, from npm — corepack cannot verify pnpm's signature here) and the
# workspace's npm packages from the committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing pnpm $want (found: ${have:-none})"
  npm install --global --no-fund --no-audit "pnpm@$want" >/dev/null
fi
pnpm install --frozen-lockfile --reporter=append-only
