/**
 * Desired and actual state of one certificate as two plain documents of the
 * same shape, so `fast-json-patch`'s `compare(desired, actual)` lists exactly
 * the fields that differ. The patch turns the desired document into the
 * actual one: each operation's `path` is a differing field and its `value` is
 * what is on disk. The policies decide; the patch is the machine-readable
 * evidence (it shows raw differences, e.g. a SAN the CA added on its own,
 * which the policies tolerate).
 *
 *   {
 *     commonName: string | null,                  // null: no parsed certificate
 *     sans: { dns, ip, email, uri } | null,
 *     keyAlgorithm: KeyAlgorithm | 'unknown' | null,
 *     keyMatchesCertificate: boolean,             // unknown counts as true
 *     chainVerifies: boolean,                     // unknown (no trust material) counts as true
 *     validity: { expired, notYetValid, renewalDue } | null,
 *     specHash: string,                           // actual: from provenance, only when it describes this leaf
 *     files: {
 *       [role]: {
 *         path: string, present: boolean,
 *         mode?: "0640",                          // octal text, when present
 *         uid?: number, gid?: number,             // only when the manifest sets owner/group
 *         current?: boolean,                      // chain roles only; unknown counts as true
 *       }
 *     }
 *   }
 */
import {
  type DesiredCertificate,
  FILE_ROLES,
  type ObservedCertificate,
  type Provenance,
} from '@certloop/core';
import { formatMode } from './format.js';
import type { ResolvedIds } from './policies/input.js';
import { CHAIN_ROLES, type ChainRole, wantedMode } from './policies/placement.js';
import { renewalPointOf } from './renewal.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type CertificateDocument = { [key: string]: JsonValue };

function isChainRole(role: string): role is ChainRole {
  return (CHAIN_ROLES as readonly string[]).includes(role);
}

export function desiredDocument(desired: DesiredCertificate, ids: ResolvedIds = {}): CertificateDocument {
  const files: { [role: string]: JsonValue } = {};
  for (const role of FILE_ROLES) {
    const path = desired.files[role];
    if (path === undefined) continue;
    const file: { [key: string]: JsonValue } = {
      path,
      present: true,
      mode: formatMode(wantedMode(desired, role)),
    };
    if (ids.uid !== undefined) file.uid = ids.uid;
    if (ids.gid !== undefined) file.gid = ids.gid;
    if (isChainRole(role)) file.current = true;
    files[role] = file;
  }
  const { sans } = desired.spec;
  return {
    commonName: desired.spec.commonName,
    sans: { dns: [...sans.dns], ip: [...sans.ip], email: [...sans.email], uri: [...sans.uri] },
    keyAlgorithm: desired.spec.keyAlgorithm,
    keyMatchesCertificate: true,
    chainVerifies: true,
    validity: { expired: false, notYetValid: false, renewalDue: false },
    specHash: desired.specHash,
    files,
  };
}

export function actualDocument(
  desired: DesiredCertificate,
  observed: ObservedCertificate,
  context: { now: Date; provenance?: Provenance; ids?: ResolvedIds },
): CertificateDocument {
  const ids = context.ids ?? {};
  const files: { [role: string]: JsonValue } = {};
  for (const role of FILE_ROLES) {
    const path = desired.files[role];
    if (path === undefined) continue;
    const seen = observed.files[role];
    if (seen === undefined || !seen.exists) {
      files[role] = { path, present: false };
      continue;
    }
    const file: { [key: string]: JsonValue } = { path, present: true };
    if (seen.mode !== undefined) file.mode = formatMode(seen.mode);
    if (ids.uid !== undefined && seen.uid !== undefined) file.uid = seen.uid;
    if (ids.gid !== undefined && seen.gid !== undefined) file.gid = seen.gid;
    if (isChainRole(role)) file.current = observed.chainFilesCurrent[role] ?? true;
    files[role] = file;
  }
  const cert = observed.certificate;
  const now = context.now.getTime();
  let validity: JsonValue = null;
  if (cert !== undefined) {
    const notBefore = new Date(cert.notBefore).getTime();
    const notAfter = new Date(cert.notAfter).getTime();
    const renewAt = renewalPointOf(desired.renewal, cert)?.getTime();
    validity = {
      expired: now >= notAfter,
      notYetValid: now < notBefore,
      renewalDue: renewAt !== undefined && now >= renewAt && now < notAfter && now >= notBefore,
    };
  }
  const provenance = context.provenance;
  const describesLeaf =
    provenance !== undefined && cert !== undefined && provenance.certificateSha256 === cert.sha256;
  return {
    commonName: cert?.commonName ?? null,
    sans:
      cert === undefined
        ? null
        : {
            dns: [...cert.sans.dns],
            ip: [...cert.sans.ip],
            email: [...cert.sans.email],
            uri: [...cert.sans.uri],
          },
    keyAlgorithm: cert?.keyAlgorithm ?? null,
    keyMatchesCertificate: observed.keyMatchesCertificate ?? true,
    chainVerifies: cert?.chainVerifies ?? true,
    validity,
    specHash: describesLeaf ? provenance.specHash : desired.specHash,
    files,
  };
}
