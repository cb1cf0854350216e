/**
 * The committed JSON Schema must match the zod schema it is generated from;
 * regenerate with `UPDATE_SCHEMA=1 pnpm exec jest packages/core/test/schema.test.ts`.
 * The v1 examples are checked against the committed file with ajv, an
 * independent validator: that tests what editors and other tools will see.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest, v1JsonSchema } from '@certloop/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';

const SCHEMA_FILE = path.resolve(__dirname, '../schema/certloop-v1.schema.json');
const EXAMPLES = path.resolve(__dirname, '../../../examples/v1');

test('the committed JSON Schema is generated from the current zod schema', () => {
  const generated = `${JSON.stringify(v1JsonSchema(), null, 2)}\n`;
  if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, generated);
  expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated);
});

const examples = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f));

test('there are v1 examples in YAML and JSON', () => {
  expect(examples.some((f) => f.endsWith('.yaml'))).toBe(true);
  expect(examples.some((f) => f.endsWith('.json'))).toBe(true);
});

describe.each(examples)('examples/v1/%s', (file) => {
  const text = readFileSync(path.join(EXAMPLES, file), 'utf8');

  test('validates against the committed JSON Schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    const valid = validate(parseYaml(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('loads without errors or warnings', () => {
    const { state, warnings } = parseManifest(text, path.join(EXAMPLES, file));
    expect(warnings).toEqual([]);
    expect(state.format).toBe('v1');
    expect(state.certificates.length).toBeGreaterThan(0);
  });
});

test('the JSON Schema rejects a typo that the loader rejects', () => {
  const ajv = new Ajv2020({ strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  const doc = {
    apiVersion: 'certloop.dev/v1',
    kind: 'CertificateManifest',
    certificates: [{ name: 'a', commonName: 'a.example.test', files: { cert: '/a.pem' }, keymode: '0600' }],
  };
  expect(validate(doc)).toBe(false);
  expect(
    validate({ ...doc, certificates: [{ ...doc.certificates[0], keymode: undefined, mode: '0999' }] }),
  ).toBe(false);
});
