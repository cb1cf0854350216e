/**
 * DNS name checks have a one-regex fast path for the common valid name; it
 * must give exactly the answers (and messages) of the label-by-label check.
 */
import fc from 'fast-check';
import { checkSan, commonNameAsSan, dnsNameProblem, dnsNameProblemDetail } from '../src/manifest/sans.js';

const label = (length: number, fill = 'a') => fill.repeat(length);

describe('dnsNameProblem', () => {
  test.each([
    ['web.example.test', undefined],
    ['WEB.Example.TEST', undefined],
    ['a-b.c', undefined],
    [`${label(63)}.test`, undefined],
    [`${label(64)}.test`, `the label "${label(20)}…" is longer than 63 characters`],
    [[label(63), label(63), label(63), label(61)].join('.'), undefined],
    [[label(63), label(63), label(63), label(62)].join('.'), 'it is longer than 253 characters'],
    ['*.example.test', undefined],
    ['*.test', 'a wildcard needs at least two labels after it (e.g. *.example.com)'],
    ['a.*.test', 'a wildcard is only allowed as the whole leftmost label (e.g. *.example.com)'],
    ['web.example.', 'it ends with a dot'],
    ['web..test', 'it has an empty label (two dots in a row or a leading dot)'],
    ['-web.test', 'the label "-web" may only hold letters, digits and inner hyphens'],
    ['web_1.test', 'the label "web_1" may only hold letters, digits and inner hyphens'],
    ['10.0.0.300', 'it looks like a malformed IP address'],
    ['host.123', 'it looks like a malformed IP address'],
    ['123', 'it looks like a malformed IP address'],
    ['web.1a', undefined],
    ['wéb.test', 'it contains spaces or non-ASCII characters (use the punycode form)'],
    ['', 'it is empty'],
  ])('%j: %s', (name, problem) => {
    expect(dnsNameProblem(name)).toBe(problem);
    expect(dnsNameProblemDetail(name)).toBe(problem);
  });

  test('rejects a wildcard where none is allowed (email domains)', () => {
    expect(dnsNameProblem('*.example.test', false)).toBe('a wildcard is not allowed here');
  });

  test('gives the label-by-label answer for any string', () => {
    const char = fc.constantFrom('a', 'Z', '0', '9', '-', '.', '*', '_', ' ', 'é');
    const name = fc.oneof(
      fc.string({ unit: char, maxLength: 20 }),
      fc
        .array(fc.string({ unit: fc.constantFrom('a', '1', '-'), minLength: 0, maxLength: 70 }), {
          maxLength: 6,
        })
        .map((labels) => labels.join('.')),
    );
    fc.assert(
      fc.property(name, fc.boolean(), (n, wildcard) => {
        expect(dnsNameProblem(n, wildcard)).toBe(dnsNameProblemDetail(n, wildcard));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('commonNameAsSan', () => {
  test.each([
    ['Web.Example.test', { type: 'dns', value: 'web.example.test' }],
    [' web.example.test ', { type: 'dns', value: 'web.example.test' }],
    ['10.0.0.1', { type: 'ip', value: '10.0.0.1' }],
    ['2001:DB8:0:0::1', { type: 'ip', value: '2001:db8::1' }],
    ['My Service', undefined],
    ['*.example.test', { type: 'dns', value: '*.example.test' }],
  ])('%j is %j', (commonName, san) => {
    expect(commonNameAsSan(commonName)).toEqual(san);
  });

  test('is what checkSan gives for the common name', () => {
    const char = fc.constantFrom('a', 'B', '1', '-', '.', ':', '*', ' ', '@');
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 24 }), (commonName) => {
        const san = commonNameAsSan(commonName);
        if (san === undefined) {
          expect([checkSan('dns', commonName).ok, checkSan('ip', commonName).ok]).toEqual([false, false]);
        } else {
          expect(checkSan(san.type, commonName)).toEqual({ ok: true, value: san.value });
        }
      }),
      { numRuns: 2000 },
    );
  });
});
