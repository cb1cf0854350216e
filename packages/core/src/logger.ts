/**
 * The logging port every package writes to; the CLI backs it with winston.
 * Fields are structured data. Never pass secrets (passwords, keys, tokens).
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Injected time source, so decisions are pure and tests control the clock. */
export type Clock = () => Date;
