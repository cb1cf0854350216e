import { formatGoDuration, parseGoDuration } from '../../src/issuers/index.js';

describe('Go durations', () => {
  it.each([
    [24 * 3_600_000, '24h0m0s'],
    [5 * 60_000, '5m0s'],
    [90 * 60_000, '1h30m0s'],
    [1500, '1.5s'],
    [250, '250ms'],
    [0, '0s'],
  ])('formats %d ms as %s, and parses it back', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    ['1h', 3_600_000],
    ['2h45m', 9_900_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['1m30s', 90_000],
  ])('parses %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '24', '5 minutes', '1d'])('refuses %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
