/**
 * Wires the concrete observers and actuators into the reconciler's ports.
 * The only module that knows every package; commands ask it for a runtime.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createIssuer,
  defaultStateDir,
  deliverToGuest,
  fixPlacement,
  guestStateOf,
  ProvenanceStore,
  preflightIssuer,
  removeFiles,
  removeStaleTemps,
  resolveOwner,
  runHooksOnce,
  StatusStore,
  type StepCaPurpose,
  stateDirFor,
  writeFilesAtomically,
} from '@certloop/actuators';
import {
  type DesiredState,
  type Issuer,
  type IssuerConfig,
  ifDefined,
  LocalFileSystems,
  type Logger,
  omitUndefined,
  parseDuration,
  withFields,
} from '@certloop/core';
import { inspectContents, type ObservationCache, observeAll } from '@certloop/observers';
import type { LockPort, PassPorts } from '@certloop/reconciler';
import { openLock } from './coordination.js';
import type { IssuerFlags, StateOptions } from './options.js';

/** What the issuer is made from: `--local-ca` names the built-in CA; otherwise the manifest's section, then Step-CA sources. */
function issuerInputs(
  state: DesiredState,
  flags: IssuerFlags,
  env: Readonly<Record<string, string | undefined>>,
): { config: IssuerConfig | undefined; sources: Parameters<typeof createIssuer>[1] } {
  const config: IssuerConfig | undefined =
    flags.localCa !== undefined
      ? { type: 'local', id: `local:${resolve(flags.localCa)}`, directory: resolve(flags.localCa) }
      : state.issuer;
  const stepFlags = omitUndefined({
    caUrl: flags.caUrl,
    root: flags.root,
    fingerprint: flags.fingerprint,
    provisioner: flags.provisioner,
    passwordFile: flags.provisionerPasswordFile,
  });
  return { config, sources: { flags: stepFlags, env, ...(env.STEPPATH ? { stepPath: env.STEPPATH } : {}) } };
}

/** The issuer a run uses; its settings are checked first, so a configuration error comes before any work. */
export async function openIssuer(
  state: DesiredState,
  flags: IssuerFlags,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  options: { concurrency?: number; purpose?: StepCaPurpose } = {},
): Promise<Issuer> {
  const { config, sources } = issuerInputs(state, flags, env);
  return createIssuer(
    config,
    sources,
    omitUndefined({
      logger,
      concurrency: options.concurrency,
      purpose: options.purpose,
      timeoutMs: ifDefined(flags.caTimeout, parseDuration),
    }),
  );
}

/** The issuer settings checked again without opening anything: a reload must not adopt a broken configuration. */
export async function checkIssuerSettings(
  state: DesiredState,
  flags: IssuerFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const { config, sources } = issuerInputs(state, flags, env);
  await preflightIssuer(config, sources, 'issue');
}

/** `--state-dir` > the manifest's `stateDir` > the default; then the manifest's own subdirectory. */
export function stateDirOf(
  state: DesiredState,
  options: StateOptions,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const base = options.stateDir ?? state.settings.stateDir ?? defaultStateDir({ env });
  return stateDirFor(resolve(base), state.manifestPath);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface PortsContext {
  issuer: Issuer;
  stateDir: string;
  logger: Logger;
  /**
   * Kept across passes by the service, so unchanged files are not parsed again.
   * One-shot commands pass none: a cache would only hold every parsed file in memory.
   */
  cache?: ObservationCache;
  observeConcurrency?: number;
  /** The lease of this manifest (coordination.ts); the lease file in the state directory when absent. */
  lock?: LockPort;
}

export function buildPorts(context: PortsContext): PassPorts {
  const { issuer, stateDir, logger } = context;
  const { cache } = context;
  // Which certificate directories are local (the writer's calls are inline there), asked once per directory.
  const fileSystems = new LocalFileSystems();
  return {
    observe: (certs, trust) =>
      observeAll(certs, omitUndefined({ cache, trust, concurrency: context.observeConcurrency })),
    inspect: (cert, files, trust) =>
      inspectContents(
        cert,
        new Map(files.map((file) => [file.path, Buffer.from(file.content)])),
        omitUndefined({ trust }),
      ),
    issuer,
    writeFiles: (files, about) =>
      writeFilesAtomically(files, { logger: about ? withFields(logger, about) : logger, fileSystems }),
    fixPlacement: async (path, placement, about) => {
      const changed = await fixPlacement(path, placement);
      if (changed) (about ? withFields(logger, about) : logger).info('Corrected mode or owner', { path });
      return changed;
    },
    runHooks: async (runs) => runHooksOnce(runs, { logger }),
    guests: {
      state: (target) => guestStateOf(target),
      deliver: (target, files) => deliverToGuest(target, files),
    },
    provenance: new ProvenanceStore(stateDir, { logger }),
    status: new StatusStore(stateDir, { logger }),
    removeFiles: async (paths, about) => {
      await removeFiles(paths, { logger: about ? withFields(logger, about) : logger });
    },
    readKey: readText,
    readCertificate: readText,
    resolveIds: (owner, group) => resolveOwner(owner, group),
    lock: context.lock ?? openLock({ backend: 'file' }, { stateDir, logger, retain: false }),
    removeStaleTemps: async (directories) => {
      await removeStaleTemps([...directories], { logger });
    },
    clock: () => new Date(),
    logger,
  };
}
