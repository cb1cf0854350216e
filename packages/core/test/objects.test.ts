/** Optional fields are absent, never present as undefined: JSON output and strict equality depend on it. */
import { ifDefined, omitUndefined } from '@certloop/core';

test('omitUndefined drops undefined fields and keeps every other value, in order', () => {
  const object = omitUndefined({ a: 1, b: undefined, c: null, d: 0, e: false, f: '' });
  expect(Object.keys(object)).toEqual(['a', 'c', 'd', 'e', 'f']);
  expect(object).toStrictEqual({ a: 1, c: null, d: 0, e: false, f: '' });
});

test('ifDefined reads a value that is there and leaves an absent one absent', () => {
  expect(ifDefined('12', Number)).toBe(12);
  expect(ifDefined(undefined as string | undefined, Number)).toBeUndefined();
  expect(ifDefined(0, (n) => n + 1)).toBe(1);
});
