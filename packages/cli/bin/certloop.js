#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI, bundled by `pnpm build`
// (scripts/bundle-cli.mjs) so start-up stays cheap.
import { stat } from 'node:fs';

// libuv's pool (fsync, key generation) defaults to 4 threads; issuance keeps up
// to 16 certificates in flight, so let their file I/O overlap. libuv reads
// UV_THREADPOOL_SIZE once, when the pool starts: start it now (fs.stat submits
// its work before returning), then put the environment back as it was, so
// hooks and other children get the user's, not certloop's tuning.
const inherited = process.env.UV_THREADPOOL_SIZE;
if (inherited === undefined) {
  process.env.UV_THREADPOOL_SIZE = '16';
  stat('.', () => {});
  delete process.env.UV_THREADPOOL_SIZE;
}
const { main } = await import('../dist/bundle/main.js');

process.exitCode = await main(process.argv.slice(2));
