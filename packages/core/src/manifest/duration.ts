/**
 * Go-style durations (`24h`, `90m`, `1h30m`, `1.5h`, `500ms`) plus `d` for
 * days, as used by step-ca's `--not-after` and cert-manager's `duration`.
 */
import { UsageError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Longer than this is certainly a mistake (and keeps arithmetic exact). */
export const MAX_DURATION_MS = 100 * 365 * UNIT_MS.d!;

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Milliseconds of a duration text, sign included, or undefined when the text
 * is not a duration or is out of range. `0` alone is accepted (Go does too).
 */
export function tryParseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const body = trimmed.replace(/^[-+]/, '');
  if (body === '0') return 0;
  if (!WHOLE.test(body)) return undefined;
  let total = 0;
  for (const [, amount, unit] of body.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  const ms = Math.round(total);
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return undefined;
  return negative ? -ms : ms;
}

/** A positive duration in milliseconds, for CLI flags; throws a USAGE error otherwise. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`"${text}" is not a positive duration.`, {
      hint: 'Use a number with a unit, e.g. 24h, 90m, 1h30m, 7d (units: ms, s, m, h, d).',
    });
  }
  return ms;
}

/**
 * The shortest text that parses back to the same milliseconds: whole weeks
 * and longer as days ("90d"), otherwise hours, minutes, seconds ("1h30m", "24h").
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest >= 7 * UNIT_MS.d! && rest % UNIT_MS.d! === 0) return `${sign}${rest / UNIT_MS.d!}d`;
  let text = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit]!;
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return sign + text;
}

/**
 * A renewal fraction: a number, "2/3", "0.66" or "66%". Undefined unless
 * strictly between 0 and 1.
 */
export function tryParseFraction(value: string | number): number | undefined {
  let fraction: number;
  if (typeof value === 'number') {
    fraction = value;
  } else {
    const text = value.trim();
    const ratio = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (ratio) fraction = Number(ratio[1]) / Number(ratio[2]);
    else if (percent) fraction = Number(percent[1]) / 100;
    else if (/^\d*\.\d+$|^\d+$/.test(text)) fraction = Number(text);
    else return undefined;
  }
  return Number.isFinite(fraction) && fraction > 0 && fraction < 1 ? fraction : undefined;
}
