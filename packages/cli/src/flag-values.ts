/** Flag texts that are numbers: counts and byte sizes, each a USAGE error when it is not one. */
import { UsageError } from '@certloop/core';

/** A positive whole number (`--concurrency 4`), or `fallback` when the flag is absent. */
export function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  return value;
}

const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
};

/** Byte sizes: `64MiB`, `1GiB`, `500KiB`, `300MB`, or plain bytes; a positive whole number of bytes. */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNIT_BYTES[match?.[2]?.toLowerCase() ?? 'none'];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`"${text}" is not a size.`, {
      hint: 'Use a number with a unit, e.g. 64MiB, 1GiB, 500KiB (or MB, GB, KB), or a number of bytes.',
    });
  }
  return bytes;
}
