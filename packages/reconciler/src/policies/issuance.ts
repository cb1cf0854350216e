/**
 * The *needs issuance* chain: nothing usable is on disk, so a certificate must
 * be issued from scratch (action `issue`). Cheap existence checks come first.
 */
import { leafRole, type ObservedFile, type Reason } from '@certloop/core';
import type { Policy, PolicyInput } from './input.js';

/** `leaf` is the file holding the certificate: `cert`, or `fullchain` when no `cert` is declared. */
function declaredFile(
  input: PolicyInput,
  which: 'leaf' | 'key',
): { path: string; file?: ObservedFile } | null {
  const role = which === 'key' ? 'key' : leafRole(input.desired.files);
  if (role === undefined) return null;
  const path = input.desired.files[role];
  if (path === undefined) return null;
  const file = input.observed.files[role];
  return file === undefined ? { path } : { path, file };
}

/** Whether the declared file exists and could be read (so parse results mean something). */
function readableFile(input: PolicyInput, role: 'leaf' | 'key'): boolean {
  const declared = declaredFile(input, role);
  return declared?.file?.exists === true && declared.file.readable;
}

export const certMissing: Policy = (input) => {
  const declared = declaredFile(input, 'leaf');
  if (declared === null || declared.file?.exists === true) return null;
  return { code: 'cert-missing', message: `The certificate file ${declared.path} does not exist.` };
};

export const keyMissing: Policy = (input) => {
  const declared = declaredFile(input, 'key');
  if (declared === null || declared.file?.exists === true) return null;
  return { code: 'key-missing', message: `The private key file ${declared.path} does not exist.` };
};

export const fileUnreadable: Policy = (input) => {
  const unreadable: string[] = [];
  for (const role of ['leaf', 'key'] as const) {
    const declared = declaredFile(input, role);
    if (declared?.file?.exists === true && !declared.file.readable) {
      const why = declared.file.error === undefined ? '' : ` (${declared.file.error})`;
      unreadable.push(`${declared.path}${why}`);
    }
  }
  if (unreadable.length === 0) return null;
  const reason: Reason = {
    code: 'file-unreadable',
    message: `${unreadable.length === 1 ? 'A file exists' : 'Files exist'} but cannot be read: ${unreadable.join(', ')}.`,
  };
  return reason;
};

export const certUnparsable: Policy = (input) => {
  if (!readableFile(input, 'leaf') || input.observed.certificate !== undefined) return null;
  const detail = input.observed.certificateError === undefined ? '' : ` (${input.observed.certificateError})`;
  return {
    code: 'cert-unparsable',
    message: `The certificate file ${declaredFile(input, 'leaf')?.path} is not a readable PEM certificate${detail}.`,
  };
};

export const keyUnparsable: Policy = (input) => {
  if (!readableFile(input, 'key') || input.observed.key !== undefined) return null;
  const detail = input.observed.keyError === undefined ? '' : ` (${input.observed.keyError})`;
  return {
    code: 'key-unparsable',
    message: `The key file ${input.desired.files.key} is not a readable PEM private key${detail}.`,
  };
};

/** In order: existence, then readability, then parsing. */
export const NEEDS_ISSUANCE: readonly Policy[] = [
  certMissing,
  keyMissing,
  fileUnreadable,
  certUnparsable,
  keyUnparsable,
];
