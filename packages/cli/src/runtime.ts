/**
 * What plan, status and reconcile share: load the manifest, make the logger,
 * open the issuer, find the state directory, build the ports.
 */

import type { StepCaPurpose } from '@certloop/actuators';
import type { DesiredState, Issuer, Logger, ManifestProblem } from '@certloop/core';
import type { PassPorts } from '@certloop/reconciler';
import { coordinationOf, openLock } from './coordination.js';
import type { Io } from './io.js';
import { createLogger } from './logger.js';
import { loadFromOptions } from './manifest.js';
import type { IssuerFlags, LogOptions, ManifestOptions, StateOptions } from './options.js';
import { renderProblems } from './render/problems.js';
import { buildPorts, openIssuer, stateDirOf } from './wiring.js';

export type RuntimeOptions = ManifestOptions & IssuerFlags & LogOptions & StateOptions;

export interface Runtime {
  readonly state: DesiredState;
  readonly warnings: readonly ManifestProblem[];
  readonly logger: Logger;
  readonly issuer: Issuer;
  readonly stateDir: string;
  readonly ports: PassPorts;
  close(): Promise<void>;
}

export async function openRuntime(
  options: RuntimeOptions,
  io: Io,
  extra: { issuerConcurrency?: number; purpose?: StepCaPurpose } = {},
): Promise<Runtime> {
  const logger = createLogger(options, io);
  const { state, warnings } = await loadFromOptions(options);
  if (warnings.length > 0) io.stderr(renderProblems(options.file, warnings, io));
  // openIssuer passes on only the options that are set.
  const issuer = await openIssuer(state, options, io.env, logger, {
    concurrency: extra.issuerConcurrency,
    purpose: extra.purpose,
  });
  const stateDir = stateDirOf(state, options, io.env);
  const lock = openLock(coordinationOf(state, options), { stateDir, logger, retain: false });
  const ports = buildPorts({ issuer, stateDir, logger, lock });
  const close = async () => {
    await lock.close?.();
    await issuer.close();
  };
  return { state, warnings, logger, issuer, stateDir, ports, close };
}
