/**
 * A valid legacy entry is recognised without loading zod (start-up time); the
 * shortcut must never accept what the zod schema rejects, or a manifest
 * problem would go unreported.
 */
import fc from 'fast-check';
import { hasLegacyShape, LEGACY_FIELDS, legacyEntrySchema } from '../src/manifest/legacy-schema.js';

const FIELDS = [
  'common_name',
  'sans',
  'cert_path',
  'key_path',
  'owner',
  'permissions',
  'post_renewal_command',
];
const value = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
);
const entry = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS, 'extra'), value),
  fc.record({
    common_name: fc.string(),
    cert_path: fc.string(),
    key_path: fc.string(),
    sans: fc.option(fc.array(fc.string()), { nil: undefined }),
    owner: fc.option(fc.string(), { nil: undefined }),
  }),
  value,
);

test('an entry accepted without zod is one the zod schema accepts', () => {
  fc.assert(
    fc.property(entry, (candidate) => {
      if (hasLegacyShape(candidate)) expect(legacyEntrySchema().safeParse(candidate).success).toBe(true);
    }),
    { numRuns: 500 },
  );
});

test('a plain valid entry takes the shortcut; a wrongly typed one does not', () => {
  const valid = { common_name: 'a.test', cert_path: '/a.crt', key_path: '/a.key', sans: ['a.test'] };
  expect(hasLegacyShape(valid)).toBe(true);
  expect(hasLegacyShape({ ...valid, sans: 'a.test' })).toBe(false);
  expect(hasLegacyShape({ ...valid, owner: 0 })).toBe(false);
  expect(hasLegacyShape({ common_name: 'a.test', cert_path: '/a.crt' })).toBe(false);
});

test('the fields known without zod are the fields of the zod schema', () => {
  expect([...LEGACY_FIELDS].sort()).toEqual(Object.keys(legacyEntrySchema().shape).sort());
});
