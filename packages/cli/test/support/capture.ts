import type { Io } from '../../src/io.js';

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

/** An Io that records what a command prints; no TTY, no colour. */
export function captureIo(env: Record<string, string | undefined> = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: false,
    color: false,
    env,
    out: () => out,
    err: () => err,
  };
}
