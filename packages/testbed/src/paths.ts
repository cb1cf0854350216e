import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { TestbedError } from './errors.js';

/**
 * The monorepo root: the nearest folder up from the working directory that
 * holds pnpm-workspace.yaml (jest and `pnpm stepca:dev` both run from there).
 */
export function repoRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

/**
 * The step-ca binary to run: `STEP_CA_BIN`, else `<repo>/.cache/step-ca` as
 * linked by `pnpm stepca:build`. Throws (never skips) when it is absent, so
 * integration tests fail loudly on a machine that has not built it.
 */
export function stepCaBinary(): string {
  const fromEnv = process.env.STEP_CA_BIN;
  const candidate = fromEnv && fromEnv.length > 0 ? fromEnv : path.join(repoRoot(), '.cache', 'step-ca');
  try {
    accessSync(candidate, constants.X_OK);
  } catch (cause) {
    throw new TestbedError(`step-ca is not built: run \`pnpm stepca:build\` (looked for ${candidate})`, {
      hint: 'Run `pnpm stepca:build` once per machine, or point STEP_CA_BIN at a step-ca 0.19 binary.',
      cause,
    });
  }
  return candidate;
}
