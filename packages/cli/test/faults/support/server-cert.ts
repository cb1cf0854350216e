/**
 * A TLS server certificate for 127.0.0.1 issued by the testbed CA, through
 * certloop itself: the HTTPS fault proxy presents it, so certloop trusts the
 * proxy exactly as it trusts the CA.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepCaHandle } from '@certloop/testbed';
import { runCli } from '../../support/run.js';
import { stepCaSection } from './workspace.js';

export interface ServerCertificate {
  readonly keyPem: string;
  readonly certChainPem: string;
}

export async function issueServerCertificate(ca: StepCaHandle, dir: string): Promise<ServerCertificate> {
  const manifest = join(dir, 'proxy-tls.json');
  const files = {
    cert: join(dir, 'proxy-tls', 'cert.pem'),
    key: join(dir, 'proxy-tls', 'key.pem'),
    fullchain: join(dir, 'proxy-tls', 'fullchain.pem'),
  };
  await writeFile(
    manifest,
    JSON.stringify({
      apiVersion: 'certloop.dev/v1',
      kind: 'CertificateManifest',
      issuer: stepCaSection(ca),
      stateDir: join(dir, 'proxy-tls-state'),
      defaults: { duration: '1h', renewBefore: '20m' },
      certificates: [{ name: 'proxy', commonName: '127.0.0.1', sans: ['127.0.0.1', 'localhost'], files }],
    }),
  );
  const result = await runCli(['reconcile', '--once', '-f', manifest, '--log-level', 'error'], {
    STEPPATH: join(dir, 'no-step-path'),
  });
  if (result.code !== 0) throw new Error(`could not issue the proxy's certificate: ${result.stderr}`);
  return { keyPem: await readFile(files.key, 'utf8'), certChainPem: await readFile(files.fullchain, 'utf8') };
}
