// A separate process that takes the lock and reports on stdout; run through
// test/support/run-ts.cjs. Arguments: stateDir key waitMs. It releases the
// lock when a line "release" arrives on stdin.
import { createInterface } from 'node:readline';
import type { Logger } from '@certloop/core';
import { acquireLock } from '../../src/lock/index.js';

const [stateDir = '', key = '', waitMs = '0'] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
let announcedWait = false;
const logger: Logger = {
  debug: (message) => {
    if (message.startsWith('Waiting') && !announcedWait) {
      announcedWait = true;
      say('waiting');
    }
  },
  info() {},
  warn() {},
  error() {},
};

acquireLock(stateDir, key, { waitMs: Number(waitMs), logger }).then(
  (lock) => {
    say('acquired');
    createInterface({ input: process.stdin }).on('line', async (line) => {
      if (line !== 'release') return;
      await lock.release();
      say('released');
      process.exit(0);
    });
  },
  (error: { code?: string; message?: string }) => {
    say(`failed ${error.code}: ${error.message}`);
    process.exit(2);
  },
);
