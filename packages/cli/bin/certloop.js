#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI, bundled by `pnpm build`
// (scripts/bundle-cli.mjs) so start-up stays cheap.
// libuv's pool (fsync, key generation) defaults to 4 threads; issuance keeps up
// to 16 certificates in flight, so let their file I/O overlap. Must be set
// before the pool is first used, hence before loading anything.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('../dist/bundle/main.js');

process.exitCode = await main(process.argv.slice(2));
