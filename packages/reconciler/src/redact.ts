/**
 * Error text for status files and reports. Issuer and actuator errors are
 * built without secrets; this is the second line of defence against a PEM
 * key or a token that slipped into a message from a lower layer.
 */
import { CertloopError, describeError } from '@certloop/core';

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
// JWT/JWE-looking tokens: base64url segments starting with a JSON header ("eyJ").
const TOKEN = /eyJ[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){1,4}/g;

export function redactSecrets(text: string): string {
  return text.replace(PEM_BLOCK, '[redacted PEM]').replace(TOKEN, '[redacted token]');
}

export function safeErrorMessage(error: unknown): string {
  return redactSecrets(describeError(error));
}

/** The message and, for a typed error, what the user can do about it (the hint). */
export function safeErrorWithHint(error: unknown): string {
  const message = safeErrorMessage(error);
  if (!(error instanceof CertloopError) || !error.hint) return message;
  return `${message} Hint: ${redactSecrets(error.hint)}`;
}
