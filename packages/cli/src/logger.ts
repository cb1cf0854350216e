import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type { LogFields, Logger } from '@certloop/core';
import { UsageError } from '@certloop/core';
import type * as Winston from 'winston';
import type { Io } from './io.js';
import type { LogOptions } from './options.js';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LEVELS)[number];

/** syslog priorities (sd-daemon(3)): the journal reads a `<N>` line prefix as the entry's priority. */
const SYSLOG_PRIORITY: Record<Level, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/**
 * stderr goes to the journal: systemd sets JOURNAL_STREAM for a service whose
 * output it connects to journald. Then each line carries its priority, so
 * `journalctl -p err -u certloop` finds errors.
 */
export function writesToJournal(env: Readonly<Record<string, string | undefined>>): boolean {
  return (env.JOURNAL_STREAM ?? '') !== '';
}

/** Prefixes every line of a formatted entry (a multi-line message is several journal entries). */
export function withPriority(level: Level, text: string): string {
  const prefix = `<${SYSLOG_PRIORITY[level]}>`;
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `${prefix}${line}`))
    .join('\n');
}

/** Field names whose values are never written, whatever a caller passes: defence in depth. */
const SECRET_FIELD = /pass(word)?|secret|token|ott|private|jwk|^key(pem)?$|^d$/i;

export function redactFields(fields: LogFields | undefined): LogFields | undefined {
  if (fields === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = SECRET_FIELD.test(name) ? '[redacted]' : value;
  }
  return out;
}

/**
 * winston behind the core Logger port: human-readable lines on a terminal,
 * JSON lines otherwise or with --log-format json. Logs go to stderr so that
 * stdout carries only the command's result (plan, JSON).
 */
export function createLogger(options: LogOptions, io: Io): Logger {
  const level = (options.logLevel ?? 'info') as Level;
  if (!LEVELS.includes(level)) {
    throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}, got "${options.logLevel}"`);
  }
  const formatName = options.logFormat ?? (io.isTTY ? 'text' : 'json');
  if (formatName !== 'text' && formatName !== 'json') {
    throw new UsageError(`--log-format must be text or json, got "${options.logFormat}"`);
  }
  // winston is loaded on the first message that passes the level: most runs log nothing.
  let logger: Winston.Logger | undefined;
  const log = (lvl: Level) => (message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(lvl) > LEVELS.indexOf(level)) return;
    logger ??= buildWinston(level, formatName, io, writesToJournal(io.env));
    logger.log(lvl, message, redactFields(fields));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function loadWinston(): typeof Winston {
  // CommonJS, loaded synchronously so that logging stays synchronous.
  return createRequire(import.meta.url)('winston') as typeof Winston;
}

const MESSAGE = Symbol.for('message');

function buildWinston(level: Level, formatName: 'text' | 'json', io: Io, journal: boolean): Winston.Logger {
  const winston = loadWinston();
  const line =
    formatName === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.printf(({ level: lvl, message, ...rest }) => {
          const extra = Object.entries(rest)
            .filter(([k]) => k !== 'timestamp')
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          return `${lvl.padEnd(5)} ${String(message)}${extra ? ` ${extra}` : ''}`;
        });
  // The journal stamps the time itself; the priority goes in front of the formatted line.
  const priority = winston.format((info) => {
    const record = info as Winston.Logform.TransformableInfo & { [MESSAGE]?: unknown };
    record[MESSAGE] = withPriority(info.level as Level, String(record[MESSAGE] ?? ''));
    return info;
  });
  const format = journal ? winston.format.combine(line, priority()) : line;
  return winston.createLogger({
    level,
    format,
    transports: [
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer | string, _encoding, done) {
            io.stderr(chunk.toString());
            done();
          },
        }),
      }),
    ],
  });
}
