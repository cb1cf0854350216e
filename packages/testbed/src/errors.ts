import { CertloopError } from '@certloop/core';

/** A test bed failure: step-ca missing, not starting, or a broken PKI dir. */
export class TestbedError extends CertloopError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('INTERNAL', message, options);
  }
}
