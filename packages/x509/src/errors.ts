import { CertloopError } from '@certloop/core';

/** Thrown by `parseCertificatePem` for text that is not a usable PEM certificate. */
export class CertificateParseError extends CertloopError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('OBSERVE_FAILED', message, {
      ...options,
      hint: 'Check that the file holds a PEM certificate ("-----BEGIN CERTIFICATE-----").',
    });
  }
}
