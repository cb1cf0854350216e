/**
 * The root the CA connection is verified against: read from a file, or
 * bootstrapped by fingerprint (the one request made without verification,
 * whose answer is accepted only if its SHA-256 matches).
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { IssuerError, splitPemBlocks } from '@certloop/core';
import { isOk, StepCaClient } from './client.js';

export interface CaTrust {
  /** The root(s), PEM. */
  readonly rootsPem: string;
  /** SHA-256 (lower-case hex) of the first root, for the token's `sha` claim. */
  readonly fingerprint: string;
  /** For messages: "root file /x/root_ca.crt" or "root with fingerprint ab12...". */
  readonly description: string;
}

export function fingerprintOf(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
}

/** Reads the root file; when a fingerprint is configured too, the file must contain that root. */
export async function loadRootFile(path: string, expectedFingerprint?: string): Promise<CaTrust> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `Cannot read the Step-CA root certificate ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const blocks = splitPemBlocks(text).filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----'));
  let fingerprints: string[];
  try {
    fingerprints = blocks.map(fingerprintOf);
  } catch (cause) {
    throw new IssuerError('ISSUER_CONFIG', `The Step-CA root file ${path} holds an unreadable certificate.`, {
      cause,
    });
  }
  if (blocks.length === 0 || fingerprints[0] === undefined) {
    throw new IssuerError('ISSUER_CONFIG', `The Step-CA root file ${path} holds no PEM certificate.`);
  }
  if (expectedFingerprint !== undefined && !fingerprints.includes(expectedFingerprint)) {
    throw new IssuerError(
      'ISSUER_TLS',
      `The Step-CA root file ${path} (fingerprint ${fingerprints[0]}) does not match the configured fingerprint ${expectedFingerprint} (root mismatch).`,
      { hint: 'Give the root file and fingerprint of the same CA, or only one of them.' },
    );
  }
  return {
    rootsPem: `${blocks.join('\n')}\n`,
    fingerprint: fingerprints[0],
    description: `root file ${path}`,
  };
}

/**
 * Fetches `GET /root/<fingerprint>` without verifying the server (nothing is
 * trusted yet), then accepts the answer only if its SHA-256 is the expected one.
 */
export async function bootstrapRoot(caUrl: string, fingerprint: string, timeoutMs: number): Promise<CaTrust> {
  const description = `root with fingerprint ${fingerprint}`;
  const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
  try {
    const client = new StepCaClient({ caUrl, agent, timeoutMs, trustDescription: description });
    const response = await client.call('GET', `/root/${fingerprint}`);
    if (response.status === 404) {
      throw new IssuerError(
        'ISSUER_TLS',
        `The Step-CA at ${caUrl} has no root with fingerprint ${fingerprint} (root mismatch).`,
        { hint: 'Check the fingerprint: `step certificate fingerprint root_ca.crt` prints it.' },
      );
    }
    if (!isOk(response)) {
      throw new IssuerError(
        response.status >= 500 ? 'ISSUER_SERVER' : 'ISSUER_REJECTED',
        `The Step-CA at ${caUrl} did not hand out its root (HTTP ${response.status})${response.caMessage ? `: ${response.caMessage}` : '.'}`,
      );
    }
    const pem = (response.json as { ca?: unknown } | undefined)?.ca;
    const served = typeof pem === 'string' ? safeFingerprint(pem) : undefined;
    if (typeof pem !== 'string' || served !== fingerprint) {
      throw new IssuerError(
        'ISSUER_TLS',
        `The root served by ${caUrl} has fingerprint ${served ?? '(unreadable)'}, not the expected ${fingerprint}: refusing to trust it.`,
      );
    }
    return { rootsPem: `${pem.trim()}\n`, fingerprint, description };
  } finally {
    agent.destroy();
  }
}

function safeFingerprint(pem: string): string | undefined {
  try {
    return fingerprintOf(pem);
  } catch {
    return undefined;
  }
}
