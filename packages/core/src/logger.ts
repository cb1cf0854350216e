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

/** The same logger, with `fields` on every line (a line's own fields win). */
export function withFields(logger: Logger, fields: LogFields): Logger {
  const merged = (extra?: LogFields): LogFields => ({ ...fields, ...extra });
  return {
    debug: (message, extra) => logger.debug(message, merged(extra)),
    info: (message, extra) => logger.info(message, merged(extra)),
    warn: (message, extra) => logger.warn(message, merged(extra)),
    error: (message, extra) => logger.error(message, merged(extra)),
  };
}

/** Injected time source, so decisions are pure and tests control the clock. */
export type Clock = () => Date;
