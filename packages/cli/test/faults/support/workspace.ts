/**
 * A throwaway directory with a v1 manifest of N certificates, for fault tests.
 * Every path is absolute and inside the workspace, so a test can inspect and
 * remove everything it made.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepCaHandle } from '@certloop/testbed';

export interface CertFiles {
  readonly name: string;
  readonly cert: string;
  readonly key: string;
}

export interface Workspace {
  readonly dir: string;
  readonly manifest: string;
  readonly stateDir: string;
  readonly certsDir: string;
  readonly certs: readonly CertFiles[];
  remove(): Promise<void>;
}

/** The testbed's step-ca, or certloop's built-in local CA kept in `<workspace>/ca`. */
export type IssuerChoice = { readonly stepCa: StepCaHandle } | 'local';

export interface WorkspaceOptions {
  readonly count: number;
  readonly issuer: IssuerChoice;
  /** Where the certificate files go; default `<workspace>/certs`. One subdirectory per certificate. */
  readonly certsDir?: string;
  /** Certificate lifetime; default 1h (inside the testbed CA's limits). */
  readonly duration?: string;
  readonly keyMode?: string;
}

export function certName(index: number): string {
  return `c${String(index + 1).padStart(2, '0')}`;
}

/** The manifest's issuer section for a testbed step-ca (root file, provisioner, password file). */
export function stepCaSection(ca: StepCaHandle): Record<string, unknown> {
  return {
    stepCA: { url: ca.url, root: ca.rootPath, provisioner: ca.provisioner, passwordFile: ca.passwordFile },
  };
}

export async function makeWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'certloop-faults-'));
  const certsDir = options.certsDir ?? join(dir, 'certs');
  const stateDir = join(dir, 'state');
  const certs: CertFiles[] = Array.from({ length: options.count }, (_, i) => {
    const name = certName(i);
    return { name, cert: join(certsDir, name, 'cert.pem'), key: join(certsDir, name, 'key.pem') };
  });
  const issuer =
    options.issuer === 'local'
      ? { local: { directory: join(dir, 'ca') } }
      : stepCaSection(options.issuer.stepCa);
  const manifest = join(dir, 'certloop.json');
  const document = {
    apiVersion: 'certloop.dev/v1',
    kind: 'CertificateManifest',
    issuer,
    stateDir,
    defaults: {
      duration: options.duration ?? '1h',
      renewBefore: '20m',
      mode: '0644',
      keyMode: options.keyMode ?? '0600',
    },
    certificates: certs.map((c) => ({
      name: c.name,
      commonName: `${c.name}.faults.test`,
      sans: [`${c.name}.faults.test`, '127.0.0.1'],
      files: { cert: c.cert, key: c.key },
    })),
  };
  await writeFile(manifest, `${JSON.stringify(document, null, 2)}\n`);
  return {
    dir,
    manifest,
    stateDir,
    certsDir,
    certs,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A clean environment for the CLI: no ~/.step, no STEP_* variables from the developer's shell. */
export function cliEnv(ws: Pick<Workspace, 'dir'>): Record<string, string> {
  return { STEPPATH: join(ws.dir, 'no-step-path'), HOME: ws.dir };
}
