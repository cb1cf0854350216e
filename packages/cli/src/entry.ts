/**
 * The process entry of every shipped form of certloop (the npm bin, the
 * repository's launcher and the single executable): size libuv's pool, then
 * hand the arguments to `main` and exit with its code.
 *
 * libuv's pool (fsync, every file call on network storage) defaults to 4
 * threads. On NFS each call waits for a round trip, and what hides that wait
 * is many calls in flight: 64 threads (measured: a first plan of 1,000
 * certificates on storage with 1 ms per call took 1.53 s with 16 threads and
 * 0.87 s with 64; idle threads cost nothing). libuv reads
 * UV_THREADPOOL_SIZE once, when the pool starts: start it now (fs.stat submits
 * its work before returning), then put the environment back as it was, so
 * hooks and other children get the user's, not certloop's tuning.
 * This takes effect in the single executable (a CommonJS main). Node loads an
 * ES-module main through the pool, so for the split bundle the pool is already
 * running here: its CommonJS launcher (bin/certloop.js) does the same first.
 */
import { stat } from 'node:fs';

if (process.env.UV_THREADPOOL_SIZE === undefined) {
  process.env.UV_THREADPOOL_SIZE = '64';
  stat('.', () => {});
  delete process.env.UV_THREADPOOL_SIZE;
}

// A dynamic import, so that nothing of the CLI is evaluated before the pool has
// started; the bundlers keep it lazy without loading a file at run time.
void import('./main.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv.slice(2));
});
