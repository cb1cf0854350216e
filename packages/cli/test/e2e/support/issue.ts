/**
 * Certificates made behind certloop's back, to plant drift: one from the same
 * step-ca with a lifetime of our choosing, or one from an unrelated local CA.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIssuer, createLocalCaIssuer } from '@certloop/actuators';
import type { IssuedCertificate, Issuer, SubjectAltNames } from '@certloop/core';
import type { StepCaHandle } from './ca.js';
import type { LegacyEntry } from './workspace.js';

const IP = /^\d{1,3}(\.\d{1,3}){3}$/;

function sansOf(entry: LegacyEntry): SubjectAltNames {
  const all = entry.sans ?? [entry.common_name];
  return {
    dns: all.filter((s) => !IP.test(s)).sort(),
    ip: all.filter((s) => IP.test(s)).sort(),
    email: [],
    uri: [],
  };
}

async function issueWith(issuer: Issuer, entry: LegacyEntry, lifetimeMs: number): Promise<IssuedCertificate> {
  try {
    return await issuer.issue({
      name: entry.common_name,
      commonName: entry.common_name,
      sans: sansOf(entry),
      keyAlgorithm: 'ecdsa-p256',
      lifetimeMs,
    });
  } finally {
    await issuer.close();
  }
}

/** A certificate for `entry` from the test's step-ca, with the given lifetime. */
export async function issueFromStepCa(
  ca: StepCaHandle,
  entry: LegacyEntry,
  lifetimeMs: number,
): Promise<IssuedCertificate> {
  const issuer = await createIssuer(undefined, {
    flags: { caUrl: ca.url, root: ca.rootPath, provisioner: ca.provisioner, passwordFile: ca.passwordFile },
    env: {},
  });
  return issueWith(issuer, entry, lifetimeMs);
}

/** A certificate for `entry` from a brand-new local CA that nothing trusts. */
export async function issueFromForeignCa(entry: LegacyEntry): Promise<IssuedCertificate> {
  const directory = mkdtempSync(join(tmpdir(), 'certloop-foreign-ca-'));
  try {
    const issuer = await createLocalCaIssuer({ directory });
    await issuer.prepare?.();
    return await issueWith(issuer, entry, 24 * 3_600_000);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Writes a certificate over a legacy entry's files in place (same inode, mode
 * and owner), as `step ca certificate` would: leaf + intermediates, then the key.
 */
export function writeInPlace(entry: LegacyEntry, issued: IssuedCertificate): void {
  writeFileSync(entry.cert_path, `${issued.certificatePem.trim()}\n${issued.chainPem.trim()}\n`);
  writeFileSync(entry.key_path, issued.keyPem);
}
