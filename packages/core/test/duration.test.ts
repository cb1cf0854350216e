import { formatDuration, parseDuration, UsageError } from '@certloop/core';

describe('parseDuration', () => {
  test.each([
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['30s', 30_000],
    ['250ms', 250],
    ['7d', 604_800_000],
    ['1d12h', 129_600_000],
  ])('reads %s as %i milliseconds', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([
    ['an empty text', ''],
    ['a number without unit', '24'],
    ['an unknown unit', '3w'],
    ['words', '1 day'],
    ['zero', '0'],
    ['a negative duration', '-5m'],
    ['a unit without number', 'h'],
    ['an absurdly long duration', '99999999999999999999h'],
  ])('rejects %s with a usage error', (_label, text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});

describe('formatDuration', () => {
  test.each([
    [86_400_000, '24h'],
    [5_400_000, '1h30m'],
    [120_000, '2m'],
    [90_061_001, '25h1m1s1ms'],
    [30 * 86_400_000, '30d'],
    [0, '0s'],
  ])('writes %i milliseconds as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('writes what parseDuration reads back to the same value', () => {
    for (const ms of [1, 999, 1000, 61_000, 3_600_001, 86_400_000, 7 * 86_400_000 + 1, 90 * 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
