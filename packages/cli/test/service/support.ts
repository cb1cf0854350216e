/** A workspace for service tests: a v1 manifest against the real step-ca, a hook that records its runs, polling. */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type StepCaHandle, startStepCa } from '@certloop/testbed';
import type { ServiceProcess } from '../support/service.js';

export interface CertSpec {
  readonly name: string;
  /** Shell commands run as hooks. */
  readonly hooks?: readonly string[];
}

export interface ServiceWorkspace {
  readonly dir: string;
  readonly manifest: string;
  readonly stateDir: string;
  /** The hook log: one line per run, "NAME SERIAL PPID". */
  readonly hookLog: string;
  /** A hook command that appends a line to hookLog. */
  readonly recordHook: string;
  certPath(name: string): string;
  /** Writes the manifest as an editor does: a temp file renamed over it. */
  writeManifest(certs: readonly CertSpec[]): Promise<void>;
  writeRaw(text: string): Promise<void>;
}

export async function serviceWorkspace(ca: StepCaHandle): Promise<ServiceWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'certloop-service-'));
  const manifest = join(dir, 'certloop.yaml');
  const hookLog = join(dir, 'hooks.log');
  const recordHook = join(dir, 'record-hook.sh');
  await writeFile(recordHook, `#!/bin/sh\necho "$CERTLOOP_NAME $CERTLOOP_SERIAL $PPID" >> '${hookLog}'\n`);
  await chmod(recordHook, 0o755);
  const certPath = (name: string) => join(dir, 'out', name, 'cert.pem');
  const writeRaw = async (text: string) => {
    const temp = `${manifest}.tmp`;
    await writeFile(temp, text);
    await rename(temp, manifest);
  };
  return {
    dir,
    manifest,
    stateDir: join(dir, 'state'),
    hookLog,
    recordHook,
    certPath,
    writeRaw,
    async writeManifest(certs) {
      const entries = certs.map((c) =>
        [
          `  - name: ${c.name}`,
          `    commonName: ${c.name}.service.test`,
          `    dns: [${c.name}.service.test]`,
          '    files:',
          `      cert: ${certPath(c.name)}`,
          `      key: ${join(dir, 'out', c.name, 'key.pem')}`,
          ...(c.hooks && c.hooks.length > 0
            ? ['    hooks:', ...c.hooks.map((h) => `      - command: "${h}"`)]
            : []),
        ].join('\n'),
      );
      await writeRaw(
        [
          'apiVersion: certloop.dev/v1',
          'kind: CertificateManifest',
          'issuer:',
          '  stepCA:',
          `    url: ${ca.url}`,
          `    root: ${ca.rootPath}`,
          `    provisioner: ${ca.provisioner}`,
          `    passwordFile: ${ca.passwordFile}`,
          `stateDir: ${join(dir, 'state')}`,
          'defaults:',
          // Renewal 100 s before expiry of a 2-minute certificate: about 20 s after issuance.
          '  duration: 2m',
          '  renewBefore: 100s',
          'certificates:',
          ...entries,
          '',
        ].join('\n'),
      );
    },
  };
}

/** Serial and notAfter of the certificate file, or undefined while it is absent or unreadable. */
export function certificateAt(path: string): { serial: string; notAfter: Date } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const cert = new X509Certificate(readFileSync(path));
    return { serial: cert.serialNumber.toLowerCase(), notAfter: new Date(cert.validTo) };
  } catch {
    return undefined;
  }
}

export function hookLines(path: string): string[][] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(' '));
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Prometheus text → value of the series with exactly these labels (as written by prom-client). */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  // `labels` is a prefix of the label set: `name="web"` matches {name="web",common_name="...",...}.
  const line = text
    .split('\n')
    .find((l) => (labels === '' ? l.startsWith(`${name} `) : l.startsWith(`${name}{${labels}`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export function seriesOf(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

export async function scrape(url: string, path = '/metrics'): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, text: await response.text() };
}

/**
 * For a describe block: one step-ca for all its tests, and the workspaces and
 * service processes they start, removed and SIGKILLed when the block ends
 * (`killServices` ends the processes earlier, e.g. after each test).
 */
export function useServiceFixtures() {
  let ca: StepCaHandle | undefined;
  const services: ServiceProcess[] = [];
  const dirs: string[] = [];
  const killServices = (): void => {
    for (const service of services.splice(0))
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
  };
  beforeAll(async () => {
    ca = await startStepCa();
  });
  afterAll(async () => {
    killServices();
    await ca?.dispose();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return {
    async workspace(): Promise<ServiceWorkspace> {
      if (ca === undefined) throw new Error('useServiceFixtures: the step-ca has not started');
      const ws = await serviceWorkspace(ca);
      dirs.push(ws.dir);
      return ws;
    },
    /** Killed when the block ends (or at killServices), if still running. */
    track(...started: ServiceProcess[]): void {
      services.push(...started);
    },
    killServices,
  };
}
