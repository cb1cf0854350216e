/** Small formatters for reason messages: durations, modes, file roles. */
import type { FileRole } from '@certloop/core';

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** "2d 3h", "45m", "0s": the two largest units, enough for a message. */
export function formatDuration(ms: number): string {
  let rest = Math.abs(Math.round(ms));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/** 0o640 → "0640". */
export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

export const ROLE_LABELS: Readonly<Record<FileRole, string>> = {
  cert: 'certificate',
  key: 'key',
  chain: 'chain',
  fullchain: 'full-chain',
  caBundle: 'CA bundle',
};

/** "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
