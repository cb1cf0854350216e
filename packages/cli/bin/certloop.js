#!/usr/bin/env node
// Thin launcher: all logic lives in the bundled CLI (`pnpm build`,
// scripts/bundle-cli.mjs), which needs no node_modules.
//
// CommonJS on purpose (bin/package.json): Node reads an ES-module main
// through libuv's thread pool, which starts the pool at its default 4 threads
// before any of our code runs; a CommonJS main is read synchronously, so the
// pool can still be sized here (measured: a no-op plan over 1,000 certificates
// on storage with 1 ms per call ran 4 calls in flight instead of 16).
// The same sizing as src/entry.ts (which does it for the single executable,
// and says why 64): start the pool at 64 threads, then put the environment
// back as it was, so hooks and other children get the user's, not certloop's
// tuning.
'use strict';
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = '64';
  require('node:fs').stat('.', () => {});
  delete process.env.UV_THREADPOOL_SIZE;
}
import('../dist/bundle/entry.js');
