/**
 * Secrets never leave certloop: the provisioner password, the decrypted
 * provisioner key (its JWK `d`), the one-time tokens and the private keys
 * written appear in no output at any log level (JSON and text logs, --json
 * results), nor in the status file or provenance, on success and on failure
 * paths (a wrong password, a CA that rejects the token).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptProvisionerKey, type StepCaHandle, startStepCa } from '@certloop/testbed';
import { type CliResult, runCli } from '../support/run.js';
import { HttpsFaultProxy } from './support/proxies.js';
import { issueServerCertificate } from './support/server-cert.js';
import { cliEnv, makeWorkspace, type Workspace } from './support/workspace.js';

jest.setTimeout(60_000);

let ca: StepCaHandle;
let ws: Workspace;
let proxy: HttpsFaultProxy;
/** Secret name -> value; every output is searched for every value. */
const secrets = new Map<string, string>();
/** Every output produced, labelled by the run that produced it. */
const outputs: { label: string; text: string }[] = [];
const WRONG_PASSWORD = 'not-the-provisioner-password-7f3a';

async function run(label: string, args: readonly string[]): Promise<CliResult> {
  const result = await runCli(args, cliEnv(ws));
  outputs.push({ label, text: `${result.stdout}\n${result.stderr}` });
  return result;
}

async function rememberKeys(label: string): Promise<void> {
  for (const cert of ws.certs) {
    const pem = await readFile(cert.key, 'utf8');
    // Each base64 line of the key (the last one may be short, but is still specific enough).
    const lines = pem.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
    for (const [i, line] of lines.entries()) secrets.set(`${label} ${cert.name} key line ${i}`, line);
  }
}

async function stateFiles(): Promise<{ label: string; text: string }[]> {
  const files: { label: string; text: string }[] = [];
  for (const entry of await readdir(ws.stateDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ label: path, text: await readFile(path, 'utf8') });
  }
  return files;
}

beforeAll(async () => {
  ca = await startStepCa();
  ws = await makeWorkspace({ count: 2, issuer: { stepCa: ca } });
  const config = JSON.parse(await readFile(ca.configPath, 'utf8')) as {
    authority: { provisioners: { name: string; encryptedKey?: string }[] };
  };
  const entry = config.authority.provisioners.find((p) => p.name === ca.provisioner);
  if (!entry?.encryptedKey) throw new Error('no encrypted provisioner key in ca.json');
  const jwk = await decryptProvisionerKey(entry.encryptedKey, ca.password);
  secrets.set('provisioner password', ca.password);
  secrets.set('provisioner JWK d', String(jwk.d));
  secrets.set('wrong password', WRONG_PASSWORD);
  const tls = await issueServerCertificate(ca, ws.dir);
  // Forwards /prefix/1.0/sign as /1.0/sign: the token's audience names a URL the CA does not serve, so the CA rejects it (401).
  proxy = await HttpsFaultProxy.start({
    upstream: ca.url,
    upstreamRootPem: ca.rootPem,
    keyPem: tls.keyPem,
    certChainPem: tls.certChainPem,
    stripPrefix: '/prefix',
    decide: () => 'forward',
  });
});

afterAll(async () => {
  await proxy?.close();
  await ca?.dispose();
  await ws?.remove();
});

const reconcile = ['reconcile', '--once', '-f'];

test('successful runs at debug level, JSON and text logs, --json results', async () => {
  const first = await run('issue, json logs, --json', [
    ...reconcile,
    ws.manifest,
    '--json',
    '--log-level',
    'debug',
    '--log-format',
    'json',
  ]);
  expect(first.code).toBe(0);
  await rememberKeys('first');
  // Through the proxy, so the tokens are seen too.
  const second = await run('reissue, text logs', [
    ...reconcile,
    ws.manifest,
    '--force',
    '--ca-url',
    `${proxy.url}`,
    '--log-level',
    'debug',
    '--log-format',
    'text',
  ]);
  expect(second.code).toBe(0);
  await rememberKeys('second');
  expect(proxy.tokens.length).toBe(2);
  for (const [i, token] of proxy.tokens.entries()) secrets.set(`token ${i}`, token);
  for (const format of ['json', 'text']) {
    expect(
      (
        await run(`plan ${format}`, [
          'plan',
          '-f',
          ws.manifest,
          '--json',
          '--log-level',
          'debug',
          '--log-format',
          format,
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await run(`status ${format}`, [
          'status',
          '-f',
          ws.manifest,
          '--json',
          '--log-level',
          'debug',
          '--log-format',
          format,
        ])
      ).code,
    ).toBe(0);
  }
});

test('failure paths: a wrong provisioner password, a CA that rejects the token', async () => {
  const wrong = join(ws.dir, 'wrong-password');
  await writeFile(wrong, `${WRONG_PASSWORD}\n`, { mode: 0o600 });
  for (const format of ['json', 'text']) {
    const result = await run(`wrong password, ${format}`, [
      ...reconcile,
      ws.manifest,
      '--force',
      '--json',
      '--provisioner-password-file',
      wrong,
      '--log-level',
      'debug',
      '--log-format',
      format,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/password/i);
  }
  const tokensBefore = proxy.tokens.length;
  for (const format of ['json', 'text']) {
    const result = await run(`CA rejects, ${format}`, [
      ...reconcile,
      ws.manifest,
      '--force',
      '--ca-url',
      `${proxy.url}/prefix`,
      '--log-level',
      'debug',
      '--log-format',
      format,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/HTTP 401/);
  }
  expect(proxy.tokens.length).toBeGreaterThan(tokensBefore);
  for (const [i, token] of proxy.tokens.entries()) secrets.set(`token ${i}`, token);
});

test('no secret in any output, the status file or provenance', async () => {
  const places = [...outputs, ...(await stateFiles())];
  expect(places.length).toBeGreaterThan(10);
  expect(secrets.size).toBeGreaterThan(10);
  const leaks: string[] = [];
  for (const place of places) {
    if (/PRIVATE KEY/.test(place.text)) leaks.push(`a private key block in ${place.label}`);
    for (const [name, value] of secrets)
      if (place.text.includes(value)) leaks.push(`${name} in ${place.label}`);
  }
  expect(leaks).toEqual([]);
  // The debug logs did say something: the test searched real output, not empty strings.
  expect(outputs.some((o) => o.text.includes('Decrypted the Step-CA provisioner key'))).toBe(true);
});
