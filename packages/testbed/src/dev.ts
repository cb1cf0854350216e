/**
 * `pnpm stepca:dev`: runs a step-ca on 127.0.0.1 with a PKI kept in
 * <repo>/.cache/stepca-dev (same port and root across runs) until Ctrl-C,
 * and prints the certloop flags that talk to it. Builds nothing itself.
 */
import path from 'node:path';
import { CertloopError } from '@certloop/core';
import { repoRoot, stepCaBinary } from './paths.js';
import { type StepCaHandle, startStepCa } from './stepca.js';

function usage(ca: StepCaHandle): string {
  return [
    `step-ca is running at ${ca.url} (pid ${ca.pid}); its PKI is in ${ca.dir}, its log in ${ca.logPath}.`,
    '',
    'certloop flags:',
    `  --ca-url ${ca.url} --root ${ca.rootPath} --provisioner ${ca.provisioner} --provisioner-password-file ${ca.passwordFile}`,
    '',
    'or the environment:',
    `  export STEP_CA_URL=${ca.url}`,
    `  export STEP_ROOT=${ca.rootPath}`,
    `  export STEP_FINGERPRINT=${ca.fingerprint}`,
    `  export STEP_PROVISIONER=${ca.provisioner}`,
    `  export STEP_PROVISIONER_PASSWORD_FILE=${ca.passwordFile}`,
    `  export STEPPATH=${ca.stepPath}   # config/defaults.json as \`step ca bootstrap\` writes it`,
    '',
    'Press Ctrl-C to stop it.',
  ].join('\n');
}

async function main(): Promise<void> {
  try {
    stepCaBinary();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  const dir = process.env.CERTLOOP_STEPCA_DEV_DIR ?? path.join(repoRoot(), '.cache', 'stepca-dev');
  const ca = await startStepCa({ dir });
  process.stdout.write(`${usage(ca)}\n`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping step-ca ...\n');
    await ca.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  const message = error instanceof CertloopError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
});
