/** A workspace with certloop's built-in local CA: no step-ca needed to see status, plan and the page. */
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalCert {
  readonly name: string;
  readonly hooks?: readonly string[];
  /** Default: [NAME.status.test]. */
  readonly sans?: readonly string[];
}

export interface LocalWorkspace {
  readonly dir: string;
  readonly manifest: string;
  readonly stateDir: string;
  certPath(name: string): string;
  keyPath(name: string): string;
  writeManifest(certs: readonly LocalCert[]): Promise<void>;
}

export async function localWorkspace(prefix = 'certloop-status-'): Promise<LocalWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const manifest = join(dir, 'certloop.yaml');
  const certPath = (name: string) => join(dir, 'out', name, 'cert.pem');
  const keyPath = (name: string) => join(dir, 'out', name, 'key.pem');
  return {
    dir,
    manifest,
    stateDir: join(dir, 'state'),
    certPath,
    keyPath,
    async writeManifest(certs) {
      const entries = certs.map((c) =>
        [
          `  - name: ${c.name}`,
          `    commonName: ${c.name}.status.test`,
          `    sans: [${(c.sans ?? [`${c.name}.status.test`]).join(', ')}]`,
          '    files:',
          `      cert: ${certPath(c.name)}`,
          `      key: ${keyPath(c.name)}`,
          `      caBundle: ${join(dir, 'out', c.name, 'ca.pem')}`,
          ...(c.hooks && c.hooks.length > 0
            ? ['    hooks:', ...c.hooks.map((h) => `      - command: "${h}"`)]
            : []),
        ].join('\n'),
      );
      const text = [
        'apiVersion: certloop.dev/v1',
        'kind: CertificateManifest',
        'issuer:',
        '  local:',
        `    directory: ${join(dir, 'ca')}`,
        `stateDir: ${join(dir, 'state')}`,
        'defaults:',
        '  duration: 24h',
        '  renewBefore: 8h',
        '  mode: "0644"',
        '  keyMode: "0600"',
        'certificates:',
        ...entries,
        '',
      ].join('\n');
      await writeFile(`${manifest}.tmp`, text);
      await rename(`${manifest}.tmp`, manifest);
    },
  };
}
