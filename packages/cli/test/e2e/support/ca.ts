/** The real step-ca for a test file, and the flags that point the CLI at it. */
import { type StartStepCaOptions, type StepCaHandle, startStepCa } from '@certloop/testbed';

export type { StepCaHandle };

export async function startCa(options: StartStepCaOptions = {}): Promise<StepCaHandle> {
  return startStepCa(options);
}

/** `--ca-url --root --provisioner --provisioner-password-file`, as an operator passes them. */
export function issuerFlags(ca: StepCaHandle): string[] {
  return [
    '--ca-url',
    ca.url,
    '--root',
    ca.rootPath,
    '--provisioner',
    ca.provisioner,
    '--provisioner-password-file',
    ca.passwordFile,
  ];
}

/** The same settings as STEP_* environment variables. */
export function issuerEnv(ca: StepCaHandle): Record<string, string> {
  return {
    STEP_CA_URL: ca.url,
    STEP_ROOT: ca.rootPath,
    STEP_PROVISIONER: ca.provisioner,
    STEP_PROVISIONER_PASSWORD_FILE: ca.passwordFile,
  };
}
