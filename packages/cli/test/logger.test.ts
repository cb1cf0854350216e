/** The CLI logger: JSON or text lines on stderr, filtered by level, secrets redacted. */

import type { Io } from '../src/io.js';
import { createLogger } from '../src/logger.js';

function capture(): { io: Io; lines: () => string[] } {
  let err = '';
  const io: Io = {
    stdout: () => {},
    stderr: (text) => {
      err += text;
    },
    isTTY: false,
    color: false,
    env: {},
  };
  return { io, lines: () => err.split('\n').filter((line) => line !== '') };
}

test('JSON lines carry the message and fields, with secret fields redacted', () => {
  const { io, lines } = capture();
  const logger = createLogger({ logFormat: 'json' }, io);
  logger.info('Issued a.example', { name: 'a.example', password: 'hunter2' });
  const [line] = lines();
  const record = JSON.parse(line!) as Record<string, unknown>;
  expect(record).toMatchObject({
    level: 'info',
    message: 'Issued a.example',
    name: 'a.example',
    password: '[redacted]',
  });
  expect(line).not.toContain('hunter2');
});

test('messages below the level are dropped, those at or above it written', () => {
  const { io, lines } = capture();
  const logger = createLogger({ logLevel: 'warn', logFormat: 'text' }, io);
  logger.debug('not shown');
  logger.info('not shown either');
  logger.warn('careful', { name: 'a.example' });
  logger.error('failed');
  expect(lines()).toEqual(['warn  careful name=a.example', 'error failed']);
});

test('an unknown level is a usage error before anything is logged', () => {
  const { io } = capture();
  expect(() => createLogger({ logLevel: 'verbose' }, io)).toThrow(/--log-level must be one of/);
});
