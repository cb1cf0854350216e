#!/usr/bin/env node
// Thin launcher: all logic lives in the bundled CLI (`pnpm build`,
// scripts/bundle-cli.mjs), which needs no node_modules.
import '../dist/bundle/entry.js';
