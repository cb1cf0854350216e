/**
 * Untrusted input through the real CLI: generated manifests,
 * valid and invalid, through `validate` and `plan`; corrupt PEM and DER files
 * in place of certificates and keys through `plan`, `status` and `reconcile`.
 * Never a crash, never a stack trace, always a documented exit code, and
 * corrupt files are replaced by a matching pair.
 *
 * In-process, on the sources: the properties run the CLI about 400 times, which
 * as processes would cost minutes of the test command; the same code is what
 * the artifacts bundle, and the smoke and e2e tests run those.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { type CliResult, runInProcess as runCli } from '../support/run.js';
import { inspectAll, problemsOf } from './support/inspect.js';
import { cliEnv, makeWorkspace, type Workspace } from './support/workspace.js';

jest.setTimeout(90_000);

let ws: Workspace;
beforeAll(async () => {
  ws = await makeWorkspace({ count: 2, issuer: 'local' });
});
afterAll(async () => {
  await ws?.remove();
});

/** Internal errors print "internal error: <stack>"; expected failures never show a stack frame. */
function expectNoCrash(result: CliResult, allowedCodes: readonly number[]): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect({ code: result.code, output }).toEqual({ code: expect.toBeOneOf(allowedCodes), output });
  expect(output).not.toMatch(/internal error/i);
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
}

expect.extend({
  toBeOneOf(received: unknown, expected: readonly unknown[]) {
    const pass = expected.includes(received);
    return { pass, message: () => `expected ${String(received)} to be one of ${expected.join(', ')}` };
  },
});
declare global {
  namespace jest {
    interface Expect {
      toBeOneOf(expected: readonly unknown[]): unknown;
    }
  }
}

// ---- generated manifests ---------------------------------------------------------------

const weirdText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '../x', '-1', 'NaN', '0999', '1e309', '💥', 'a'.repeat(300)),
);
const anyValue = fc.oneof(
  weirdText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);
const duration = fc.oneof(fc.constantFrom('24h', '1h', '90m', '7d', '0s', '-1h', '1y', 'h'), anyValue);
const san = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('*.example.test', 'a..b', '10.0.0.300', 'user@example.test', 'spiffe://x/y', ''),
  anyValue,
);
const mode = fc.oneof(fc.constantFrom('0600', '0644', '640', '0999', '7777', 'rw-r--r--'), anyValue);

function certPath(name: string) {
  return fc.oneof(
    fc.constant(join('/tmp', 'certloop-fuzz-never-written', name)), // absolute, inside nothing real
    fc.constantFrom(`./${name}`, name, '', '/', '.', `/dev/null/${name}`),
    anyValue,
  );
}

const certificate = fc.record(
  {
    name: fc.oneof(fc.constantFrom('web', 'db', 'web'), weirdText),
    commonName: fc.oneof(fc.domain(), weirdText, anyValue),
    sans: fc.oneof(fc.array(san, { maxLength: 4 }), anyValue),
    files: fc.oneof(
      fc.record({ cert: certPath('cert.pem'), key: certPath('key.pem') }, { requiredKeys: [] }),
      fc.record({ cert: certPath('c.pem'), key: certPath('c.pem'), fullchain: certPath('f.pem') }),
      anyValue,
    ),
    mode,
    keyMode: mode,
    owner: fc.oneof(fc.constantFrom('root', '0', 'nobody-such-user', ''), anyValue),
    key: fc.oneof(
      fc.record({ algorithm: fc.constantFrom('ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519', 'dsa') }),
      anyValue,
    ),
    duration,
    renewBefore: duration,
    hooks: fc.oneof(
      fc.array(fc.record({ command: weirdText, timeout: duration }, { requiredKeys: [] }), { maxLength: 2 }),
      anyValue,
    ),
    unknownField: anyValue,
  },
  { requiredKeys: [] },
);

const v1Manifest = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('certloop.dev/v1'), weirdText),
    kind: fc.oneof(fc.constant('CertificateManifest'), weirdText),
    issuer: fc.oneof(
      fc.record({ local: fc.record({ directory: fc.oneof(fc.constant('./ca'), anyValue) }) }),
      fc.record({ stepCA: fc.record({ url: anyValue, provisioner: anyValue }, { requiredKeys: [] }) }),
      anyValue,
    ),
    defaults: fc.oneof(fc.record({ duration, renewBefore: duration, mode }, { requiredKeys: [] }), anyValue),
    certificates: fc.oneof(fc.array(certificate, { maxLength: 4 }), anyValue),
  },
  { requiredKeys: ['apiVersion', 'kind'] },
);

const legacyManifest = fc.array(
  fc.record(
    {
      common_name: fc.oneof(fc.domain(), weirdText, anyValue),
      sans: fc.oneof(fc.array(san, { maxLength: 3 }), anyValue),
      cert_path: certPath('cert.pem'),
      key_path: certPath('key.pem'),
      owner: fc.oneof(fc.constantFrom('root:root', 'root', ':', '0:0'), anyValue),
      permissions: mode,
      post_renewal_command: weirdText,
    },
    { requiredKeys: [] },
  ),
  { maxLength: 4 },
);

/** The text of a manifest file: JSON of a generated document, or raw text (broken JSON and YAML). */
const manifestText = fc.oneof(
  v1Manifest.map((m) => JSON.stringify(m)),
  legacyManifest.map((m) => JSON.stringify(m)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[',
    ': :',
    '- - -\n  x: [',
    'apiVersion: certloop.dev/v1\nkind: CertificateManifest\ncertificates: {',
    '\uFEFF[]',
    '',
  ),
);

test('generated manifests through validate and plan: a typed diagnosis and exit 0, 2 or 3, never a crash', async () => {
  const file = join(ws.dir, 'fuzz-manifest.yaml');
  const localCa = join(ws.dir, 'fuzz-ca');
  const state = join(ws.dir, 'fuzz-state');
  let invalid = 0;
  await fc.assert(
    fc.asyncProperty(manifestText, async (text) => {
      await writeFile(file, text);
      const validate = await runCli(['validate', '-f', file, '--json'], cliEnv(ws));
      expectNoCrash(validate, [0, 3]);
      if (validate.code === 3) invalid += 1;
      // --local-ca: plan must never reach a CA URL a generated manifest names.
      const plan = await runCli(
        [
          'plan',
          '-f',
          file,
          '--local-ca',
          localCa,
          '--state-dir',
          state,
          '--detailed-exitcode',
          '--log-level',
          'error',
        ],
        cliEnv(ws),
      );
      expectNoCrash(plan, validate.code === 3 ? [3] : [0, 2]);
    }),
    { numRuns: 150 },
  );
  // Both kinds were exercised.
  expect(invalid).toBeGreaterThan(10);
  expect(invalid).toBeLessThan(150);
});

// ---- corrupt certificate and key files -------------------------------------------------

test('corrupt PEM and DER in place of a certificate and its key: plan and status diagnose, reconcile replaces them', async () => {
  const env = cliEnv(ws);
  const reconcile = () => runCli(['reconcile', '--once', '-f', ws.manifest, '--log-level', 'error'], env);
  expect((await reconcile()).code).toBe(0);
  const [target, other] = ws.certs;
  if (!target || !other) throw new Error('two certificates expected');
  const validCert = await readFile(target.cert, 'utf8');
  const validKey = await readFile(target.key, 'utf8');
  const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

  const corruptionOf = (valid: string, foreign: string) =>
    fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
      fc.nat({ max: valid.length - 1 }).map((n) => Buffer.from(valid.slice(0, n))),
      fc
        .tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 33, max: 126 }))
        .map(([at, c]) => Buffer.from(valid.slice(0, at) + String.fromCharCode(c) + valid.slice(at + 1))),
      fc.constant(derOf(valid)),
      fc.constant(Buffer.from(foreign)),
      fc.constant(Buffer.from(`${valid}${valid}`)),
      fc.constantFrom(Buffer.alloc(0), Buffer.from('-----BEGIN CERTIFICATE-----\n'), Buffer.from('\n\n')),
    );

  await fc.assert(
    fc.asyncProperty(
      fc.option(corruptionOf(validCert, validKey), { nil: undefined }),
      fc.option(corruptionOf(validKey, validCert), { nil: undefined }),
      async (cert, key) => {
        if (cert === undefined && key === undefined) return;
        if (cert !== undefined) await writeFile(target.cert, cert);
        if (key !== undefined) await writeFile(target.key, key, { mode: 0o600 });
        const plan = await runCli(['plan', '-f', ws.manifest, '--json', '--detailed-exitcode'], env);
        // A byte flip in a part of the PEM that is not checked can leave a valid pair: 0 is allowed then.
        expectNoCrash(plan, [0, 2]);
        // 2: the certificate is not Ready, the usual answer here.
        expectNoCrash(await runCli(['status', '-f', ws.manifest, '--json'], env), [0, 1, 2]);
        const result = await reconcile();
        expectNoCrash(result, [0]);
        expect(problemsOf(await inspectAll(ws.certs), true)).toEqual([]);
      },
    ),
    { numRuns: 40 },
  );
});
