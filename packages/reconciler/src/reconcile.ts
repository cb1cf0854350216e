/**
 * One reconcile pass: gather (trust, provenance, status, ids, observe), decide
 * (buildPlan, pure), act on each entry through the keyed queue, deliver into
 * Proxmox guests and run hooks after every write (delivery.ts, hooks.ts),
 * verify by re-observing what was touched, record status.
 * One certificate failing never stops the others; the caller holds the lock
 * and maps `ok` to the exit code.
 */
import { createHash } from 'node:crypto';
import {
  type Action,
  type CertificateStatus,
  CertloopError,
  COMMIT_ORDER,
  type DesiredCertificate,
  type DesiredState,
  type FILE_ROLES,
  guestKey,
  type IssuedCertificate,
  type IssueRequest,
  IssuerError,
  joinPem,
  leafRole,
  type ObservedCertificate,
  type Provenance,
  type Reason,
  type StatusDocument,
  splitPemBlocks,
  type TrustMaterial,
} from '@certloop/core';
import { type DeliveryJob, runDeliveryPhase } from './delivery.js';
import { gatherAndPlan, loadTrust } from './gather.js';
import { type HookReport, type HookTrigger, planHookRuns } from './hooks.js';
import { nothingObserved, type Plan, type PlanEntry } from './plan.js';
import { decide } from './policies/actions.js';
import type { ResolvedIds } from './policies/input.js';
import {
  type ChainRole,
  chainFileDrift,
  pendingHooksOf,
  placementDrift,
  wantedMode,
} from './policies/placement.js';
import type { FileToWrite, ReconcilePorts } from './ports.js';
import { KeyedQueue } from './queue.js';
import { safeErrorMessage, safeErrorWithHint } from './redact.js';
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  nextCertificateStatus,
  type Outcome,
  statusChanged,
} from './status.js';

export interface ReconcileOptions {
  /** Reissue every certificate (`--force`); also skips the failure backoff. */
  readonly force?: boolean;
  /**
   * Try failed issuances now, ignoring the recorded backoff (`reconcile --once`:
   * someone asked for a pass now, e.g. after bringing the CA back). The
   * failure count is still recorded, so the service keeps backing off.
   */
  readonly ignoreBackoff?: boolean;
  /**
   * Issue and write, but neither deliver into guests nor run hooks
   * (`--generate-only`, the shell manager's flag): they are recorded as
   * pending, and a later pass does them.
   */
  readonly generateOnly?: boolean;
  /** Remove orphans' files and records (`--prune`); without it they are only reported. */
  readonly prune?: boolean;
  /** Certificates acted on at once. Default 4. */
  readonly concurrency?: number;
  readonly backoff?: BackoffPolicy;
  /** Aborted when the lock was lost: certificates not started yet are left alone (and reported failed). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { done: number; total: number; name: string; action: Action }) => void;
}

export interface ReconcileResult {
  readonly name: string;
  readonly action: Action;
  readonly reasons: Reason[];
  readonly outcome: Outcome;
  /** Redacted. */
  readonly error?: string;
  /** Set when the action was skipped because an earlier failure is backing off. */
  readonly retryNotBefore?: string;
  readonly serial?: string;
  readonly notAfter?: string;
  /** The guest ("vm/1001") the files still have to reach (stopped, unreachable, --generate-only). */
  readonly pendingDelivery?: string;
}

export type { HookReport } from './hooks.js';

export interface ReconcileReport {
  readonly plan: Plan;
  /** Sorted by name, one per plan entry. */
  readonly results: ReconcileResult[];
  readonly hooks: HookReport[];
  readonly summary: Record<Outcome, number>;
  readonly statusWritten: boolean;
  /** No failed certificate, no failed hook, status recorded. */
  readonly ok: boolean;
}

/** What acting on one entry produced. */
interface WorkResult {
  outcome: Outcome;
  /** Files (re)written: the certificate's hooks must run. */
  filesWritten: boolean;
  error?: string;
  terminal?: boolean;
  deferredUntil?: string;
  serial?: string;
  notAfter?: string;
  provenance?: Provenance;
  /** An issuance checked in memory before writing: verification need not read it back. */
  checked?: Verified;
}

/** What verification found for one certificate: reasons left (empty: converged) and the observation. */
interface Verified {
  readonly reasons: Reason[];
  readonly observed: ObservedCertificate;
}

interface PassContext {
  readonly desired: DesiredState;
  readonly ports: ReconcilePorts;
  readonly options: ReconcileOptions;
  readonly trust: TrustMaterial | undefined;
  readonly trustError: unknown;
  readonly provenance: ReadonlyMap<string, Provenance>;
  readonly status: StatusDocument | undefined;
  readonly ids: ReadonlyMap<string, ResolvedIds>;
  /** The trust an issued certificate is checked against, by its CA bundle and chain. */
  readonly issuedTrust: Map<string, TrustMaterial>;
}

/** sha256 of the leaf's DER, the identity provenance ties to. */
export function leafSha256(certificatePem: string): string {
  const leaf = splitPemBlocks(certificatePem)[0] ?? '';
  const base64 = leaf.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
}

function placementOf(cert: DesiredCertificate, role: (typeof FILE_ROLES)[number]) {
  const { owner, group } = cert.placement;
  return {
    mode: wantedMode(cert, role),
    ...(owner === undefined ? {} : { owner }),
    ...(group === undefined ? {} : { group }),
  };
}

/**
 * Every declared file of a new issuance, for one atomic writeFiles call. Files
 * holding the new leaf are new by construction, and so is the key unless it was
 * kept (`keptKey`); chain and bundle files may well be unchanged.
 */
export function issuedFiles(
  cert: DesiredCertificate,
  issued: IssuedCertificate,
  keptKey = false,
): FileToWrite[] {
  const content: Record<(typeof FILE_ROLES)[number], string> = {
    cert: joinPem(issued.certificatePem),
    key: joinPem(issued.keyPem),
    chain: joinPem(issued.chainPem),
    fullchain: joinPem(issued.certificatePem, issued.chainPem),
    caBundle: joinPem(issued.caBundlePem),
  };
  // Key first, certificate last: the writer renames in the order given.
  return COMMIT_ORDER.flatMap((role) => {
    const path = cert.files[role];
    if (path === undefined) return [];
    const knownChanged = role === 'cert' || role === 'fullchain' || (role === 'key' && !keptKey);
    return [
      { path, content: content[role], ...placementOf(cert, role), ...(knownChanged ? { knownChanged } : {}) },
    ];
  });
}

function backoffInEffect(ctx: PassContext, cert: DesiredCertificate, now: Date): string | undefined {
  if (ctx.options.force === true || ctx.options.ignoreBackoff === true) return undefined;
  const previous = ctx.status?.certificates[cert.name];
  if (previous?.retryNotBefore === undefined) return undefined;
  // A changed spec deserves a fresh attempt right away.
  if (previous.failedSpecHash !== cert.specHash) return undefined;
  return now.getTime() < new Date(previous.retryNotBefore).getTime() ? previous.retryNotBefore : undefined;
}

async function issue(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
): Promise<WorkResult> {
  const { ports } = ctx;
  const deferredUntil = backoffInEffect(ctx, cert, ports.clock());
  if (deferredUntil !== undefined) {
    const previous = ctx.status?.certificates[cert.name];
    return {
      outcome: 'failed',
      filesWritten: false,
      deferredUntil,
      error: `Not retrying before ${deferredUntil} after ${previous?.consecutiveFailures ?? 0} failure(s): ${previous?.lastError ?? 'unknown error'}`,
    };
  }
  let existingKeyPem: string | undefined;
  const keyPath = cert.files.key;
  const keyUsable = observed.key !== undefined && observed.key.keyAlgorithm === cert.spec.keyAlgorithm;
  if (cert.rotation === 'never' && keyPath !== undefined && keyUsable) {
    existingKeyPem = await ports.readKey(keyPath);
  }
  const request: IssueRequest = {
    name: cert.name,
    commonName: cert.spec.commonName,
    sans: cert.spec.sans,
    keyAlgorithm: cert.spec.keyAlgorithm,
    lifetimeMs: cert.spec.lifetimeMs,
    ...(cert.spec.usage === undefined ? {} : { usage: cert.spec.usage }),
    ...(existingKeyPem === undefined ? {} : { existingKeyPem }),
  };
  const issued = await ports.issuer.issue(request);
  const files = issuedFiles(cert, issued, existingKeyPem !== undefined);
  const provenance: Provenance = {
    name: cert.name,
    specHash: cert.specHash,
    commonName: cert.spec.commonName,
    sans: cert.spec.sans,
    keyAlgorithm: cert.spec.keyAlgorithm,
    requestedLifetimeMs: cert.spec.lifetimeMs,
    issuerId: ports.issuer.id,
    serial: issued.serial,
    certificateSha256: leafSha256(issued.certificatePem),
    issuedAt: ports.clock().toISOString(),
    notAfter: issued.notAfter,
    files: { ...cert.files },
  };
  const checked = await checkIssued(ctx, cert, files, provenance, issued);
  // Key, certificate and chain files in one call: all temp files land before any rename.
  await ports.writeFiles(files);
  // Provenance last: it describes files that are already in place.
  await ports.provenance.write(provenance);
  return {
    outcome: 'changed',
    filesWritten: true,
    serial: issued.serial,
    notAfter: issued.notAfter,
    provenance,
    checked,
  };
}

/** What a fresh certificate may still show and be written anyway: the CA capped its lifetime. */
const ACCEPTED_AFTER_ISSUANCE: ReadonlySet<Reason['code']> = new Set(['renewal-due', 'hook-pending']);

/**
 * Checks an issued certificate before it replaces anything: the policies see
 * the files as they will be (parsed in memory: names, key pair, algorithm,
 * validity, chain to the roots). A certificate that is wrong for the manifest
 * is refused and the old files stay; one that is right but due for renewal at
 * once is written and reported as still drifting.
 */
async function checkIssued(
  ctx: PassContext,
  cert: DesiredCertificate,
  files: readonly FileToWrite[],
  provenance: Provenance,
  issued: IssuedCertificate,
): Promise<Verified> {
  const observed = await ctx.ports.inspect(cert, files, trustOfIssued(ctx, issued));
  const ids = ctx.ids.get(cert.name);
  const { reasons } = decide({
    desired: cert,
    observed,
    now: ctx.ports.clock(),
    provenance,
    ...(ids === undefined ? {} : { ids }),
  });
  const refused = reasons.filter((r) => !ACCEPTED_AFTER_ISSUANCE.has(r.code));
  if (refused.length > 0) {
    throw new IssuerError(
      'ISSUER_REJECTED',
      `The CA's certificate (serial ${issued.serial}) was not written, it does not match the manifest: ${refused.map((r) => r.message).join(' ')}`,
      {
        hint: "Check the CA's provisioner (template, policy, clock); the files in place were left as they were.",
        retryable: refused.every((r) => r.code === 'not-yet-valid'),
      },
    );
  }
  return { reasons: reasons.filter((r) => r.code !== 'hook-pending'), observed };
}

/**
 * The trust a certificate from this issuance is checked against: the roots
 * the issuer is configured to trust (what it puts in CA bundle files, never
 * taken from the CA's answer) and the intermediates the CA just sent. One
 * object per distinct pair, so the observers prepare (parse) it once per pass.
 */
function trustOfIssued(ctx: PassContext, issued: IssuedCertificate): TrustMaterial {
  const { trust } = ctx;
  if (
    trust !== undefined &&
    trust.intermediatesPem === issued.chainPem &&
    joinPem(trust.rootsPem) === issued.caBundlePem
  ) {
    return trust;
  }
  const key = `${issued.caBundlePem}\u0000${issued.chainPem}`;
  let material = ctx.issuedTrust.get(key);
  if (material === undefined) {
    material = { rootsPem: issued.caBundlePem, intermediatesPem: issued.chainPem };
    ctx.issuedTrust.set(key, material);
  }
  return material;
}

async function chainFileContents(
  ctx: PassContext,
  cert: DesiredCertificate,
  roles: readonly ChainRole[],
): Promise<FileToWrite[]> {
  const trust = ctx.trust;
  if (trust === undefined) {
    throw ctx.trustError ?? new CertloopError('INTERNAL', 'The issuer trust material is not available.');
  }
  const needsIntermediates = roles.some((role) => role !== 'caBundle');
  if (needsIntermediates && trust.intermediatesPem.trim() === '') {
    throw new CertloopError(
      'INTERNAL',
      'The issuer did not report its intermediates, so the chain cannot be rebuilt.',
      {
        hint: 'Reissue the certificate (--force) to get a fresh chain from the CA.',
      },
    );
  }
  let leaf: string | undefined;
  if (roles.includes('fullchain')) {
    const role = leafRole(cert.files);
    const leafPath = role === undefined ? undefined : cert.files[role];
    const certText = leafPath === undefined ? undefined : await ctx.ports.readCertificate(leafPath);
    leaf = certText === undefined ? undefined : splitPemBlocks(certText)[0];
    if (leaf === undefined) {
      throw new CertloopError(
        'WRITE_FAILED',
        `Cannot rebuild the full-chain file: the certificate ${leafPath} is unreadable.`,
      );
    }
  }
  return roles.map((role) => {
    const content =
      role === 'caBundle'
        ? joinPem(trust.rootsPem)
        : role === 'chain'
          ? joinPem(trust.intermediatesPem)
          : joinPem(leaf ?? '', trust.intermediatesPem);
    return { path: cert.files[role]!, content, ...placementOf(cert, role) };
  });
}

async function fixPlacements(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
  skip: ReadonlySet<string>,
): Promise<boolean> {
  let changed = false;
  for (const drift of placementDrift(cert, observed, ctx.ids.get(cert.name))) {
    if (skip.has(drift.path)) continue;
    if (await ctx.ports.fixPlacement(drift.path, placementOf(cert, drift.role))) changed = true;
  }
  return changed;
}

async function updateFiles(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
): Promise<WorkResult> {
  const { missing, stale } = chainFileDrift(cert, observed);
  const roles = [...missing, ...stale];
  let written: string[] = [];
  if (roles.length > 0) {
    written = (await ctx.ports.writeFiles(await chainFileContents(ctx, cert, roles))).written;
  }
  // Rewritten files got their mode and owner from the writer; fix the others.
  const fixed = await fixPlacements(ctx, cert, observed, new Set(written));
  const filesWritten = written.length > 0;
  return { outcome: filesWritten || fixed ? 'changed' : 'unchanged', filesWritten };
}

async function fixPermissions(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
): Promise<WorkResult> {
  const fixed = await fixPlacements(ctx, cert, observed, new Set());
  return { outcome: fixed ? 'changed' : 'unchanged', filesWritten: false };
}

/** Files certloop wrote for an orphan, minus any path a current certificate still declares. */
async function removeOrphan(ctx: PassContext, name: string): Promise<WorkResult> {
  const provenance = ctx.provenance.get(name);
  const inUse = new Set(ctx.desired.certificates.flatMap((c) => Object.values(c.files)));
  const paths = Object.values(provenance?.files ?? {}).filter(
    (p): p is string => p !== undefined && !inUse.has(p),
  );
  if (paths.length > 0) await ctx.ports.removeFiles(paths);
  await ctx.ports.provenance.remove(name);
  return { outcome: 'changed', filesWritten: false };
}

async function act(
  ctx: PassContext,
  entry: PlanEntry,
  cert: DesiredCertificate | undefined,
  observed: ObservedCertificate | undefined,
): Promise<WorkResult> {
  try {
    if (entry.action === 'remove') return await removeOrphan(ctx, entry.name);
    if (cert === undefined || observed === undefined) return { outcome: 'unchanged', filesWritten: false };
    switch (entry.action) {
      case 'issue':
      case 'reissue':
        return await issue(ctx, cert, observed);
      case 'update-files':
        return await updateFiles(ctx, cert, observed);
      case 'fix-permissions':
        return await fixPermissions(ctx, cert, observed);
      default:
        return { outcome: 'unchanged', filesWritten: false };
    }
  } catch (error) {
    const terminal = error instanceof IssuerError && !error.retryable;
    // The hint says what to do (free space, remount, fix the password file): keep it in the report.
    const message = safeErrorWithHint(error);
    ctx.ports.logger.error('Acting on a certificate failed.', {
      ...certificateLogFields(entry),
      action: entry.action,
      error: message,
    });
    return { outcome: 'failed', filesWritten: false, error: message, terminal };
  }
}

/**
 * What every log line about a certificate carries: its name and the code of
 * the reason it was acted on (the first in chain order), so an operator can
 * grep the journal for `reason=renewal-due`.
 */
export function certificateLogFields(entry: Pick<PlanEntry, 'name' | 'reasons'>): {
  name: string;
  reason: string;
  reasons?: string[];
} {
  const codes = entry.reasons.map((r) => r.code);
  return {
    name: entry.name,
    reason: codes[0] ?? 'none',
    ...(codes.length > 1 ? { reasons: codes } : {}),
  };
}

/** Reasons that are about what follows the writes (deliveries, hooks), not about the files. */
const AFTER_WRITES: ReadonlySet<Reason['code']> = new Set(['hook-pending', 'delivery-pending']);

function shouldAct(entry: PlanEntry, options: ReconcileOptions): boolean {
  if (entry.action === 'none') return false;
  return entry.action !== 'remove' || options.prune === true;
}

interface HookPhase {
  readonly reports: HookReport[];
  /** Per certificate: commands that still have to succeed. */
  readonly pending: Map<string, string[]>;
  /** Per certificate: the guest its files still have to reach. */
  readonly pendingDeliveries: Map<string, string>;
  /** Per certificate: why its files did not reach a running (or unreachable) guest; a failure. */
  readonly deliveryErrors: Map<string, string>;
  /** The status file was rewritten with pending hooks before they ran: the final record must follow. */
  readonly journaled: boolean;
}

/**
 * Records the hooks about to run as pending before running them: a run killed
 * after writing the files but before (or during) the hooks leaves them pending,
 * so the next run still runs them although the files are already in sync.
 * The pass's final status write replaces this record.
 */
async function journalPendingHooks(
  ctx: PassContext,
  plan: Plan,
  pending: ReadonlyMap<string, readonly string[]>,
  pendingDeliveries: ReadonlyMap<string, string> = new Map(),
): Promise<boolean> {
  const now = ctx.ports.clock().toISOString();
  const entries = new Map(plan.entries.map((e) => [e.name, e]));
  const certificates: Record<string, CertificateStatus> = { ...(ctx.status?.certificates ?? {}) };
  let changed = false;
  for (const [name, commands] of pending) {
    const previous = certificates[name];
    const known = new Set(previous?.pendingHooks ?? []);
    const delivery = pendingDeliveries.get(name);
    if (commands.every((c) => known.has(c)) && delivery === previous?.pendingDelivery) continue;
    const entry = entries.get(name);
    certificates[name] = {
      ...(previous ?? {
        name,
        lastResult: 'success',
        lastAction: entry?.action ?? 'none',
        lastReasons: (entry?.reasons ?? []).map((r) => r.code),
        lastAttemptAt: now,
        consecutiveFailures: 0,
      }),
      pendingHooks: [...new Set([...known, ...commands])],
      ...(delivery === undefined ? {} : { pendingDelivery: delivery }),
    };
    changed = true;
  }
  if (!changed) return false;
  try {
    return await ctx.ports.status.write({
      version: 1,
      manifestPath: ctx.desired.manifestPath,
      updatedAt: now,
      certificates,
    });
  } catch (error) {
    // Not fatal: the hooks still run now; only a crash before they finish would lose them.
    ctx.ports.logger.warn('Could not record the pending hooks before running them.', {
      error: safeErrorMessage(error),
    });
    return false;
  }
}

async function runHookPhase(
  ctx: PassContext,
  plan: Plan,
  work: ReadonlyMap<string, WorkResult>,
  observedByName: ReadonlyMap<string, ObservedCertificate>,
): Promise<HookPhase> {
  const triggers: HookTrigger[] = [];
  const deliveryJobs: DeliveryJob[] = [];
  const pending = new Map<string, string[]>();
  const pendingDeliveries = new Map<string, string>();
  const deliveryErrors = new Map<string, string>();
  const entries = new Map(plan.entries.map((e) => [e.name, e]));
  for (const cert of ctx.desired.certificates) {
    const result = work.get(cert.name);
    const recorded = ctx.status?.certificates[cert.name];
    const previouslyPending = pendingHooksOf(cert, recorded?.pendingHooks);
    const commands = result?.filesWritten === true ? cert.hooks.map((h) => h.command) : previouslyPending;
    const unique = [...new Set(commands)];
    pending.set(cert.name, unique);
    // A guest's copy is due after a write, while it was left pending, and
    // before a pending hook is retried (the hook may have moved the files away).
    const deliver =
      cert.delivery !== undefined &&
      (result?.filesWritten === true || recorded?.pendingDelivery !== undefined || unique.length > 0);
    if (!deliver && unique.length === 0) continue;
    const entry = entries.get(cert.name);
    const parsed = observedByName.get(cert.name)?.certificate;
    const serial = result?.serial ?? parsed?.serial;
    const notAfter = result?.notAfter ?? parsed?.notAfter;
    const trigger: HookTrigger = {
      certificate: cert,
      commands: unique,
      action: entry?.action ?? 'none',
      reasons: (entry?.reasons ?? []).map((r) => r.code),
      ...(serial === undefined ? {} : { serial }),
      ...(notAfter === undefined ? {} : { notAfter }),
    };
    if (deliver && cert.delivery !== undefined) {
      deliveryJobs.push({ trigger });
      pendingDeliveries.set(cert.name, guestKey(cert.delivery));
    } else triggers.push(trigger);
  }
  const planned = planHookRuns(triggers);
  const nothing = { reports: [], pending, pendingDeliveries, deliveryErrors, journaled: false };
  if (planned.length === 0 && deliveryJobs.length === 0) return nothing;
  const journaled = await journalPendingHooks(ctx, plan, pending, pendingDeliveries);
  // --generate-only: everything stays recorded as pending for a later pass.
  if (ctx.options.generateOnly === true) return { ...nothing, journaled };

  const delivered = await runDeliveryPhase(ctx.ports, deliveryJobs, ctx.trust);
  for (const outcome of delivered.outcomes.values()) {
    pending.set(outcome.name, [...outcome.pendingHooks]);
    if (outcome.delivered) pendingDeliveries.delete(outcome.name);
    if (outcome.error !== undefined) deliveryErrors.set(outcome.name, outcome.error);
  }

  let results: Awaited<ReturnType<ReconcilePorts['runHooks']>> = [];
  try {
    if (planned.length > 0) results = await ctx.ports.runHooks(planned.map((p) => p.run));
  } catch (error) {
    const message = safeErrorMessage(error);
    ctx.ports.logger.error('Running hooks failed.', { error: message });
    results = planned.map((p) => ({
      command: p.run.command,
      exitCode: null,
      timedOut: false,
      output: message,
    }));
  }
  const reports: HookReport[] = planned.map((p) => {
    const result = results.find((r) => r.command === p.run.command);
    const ok = result !== undefined && result.exitCode === 0 && !result.timedOut;
    return {
      command: p.run.command,
      names: p.names,
      ok,
      exitCode: result?.exitCode ?? null,
      timedOut: result?.timedOut ?? false,
      output: result?.output ?? 'The hook did not run.',
    };
  });
  const succeeded = new Set(reports.filter((r) => r.ok).map((r) => r.command));
  for (const trigger of triggers) {
    const name = trigger.certificate.name;
    pending.set(
      name,
      (pending.get(name) ?? []).filter((c) => !succeeded.has(c)),
    );
  }
  return {
    reports: [...delivered.hooks, ...reports],
    pending,
    pendingDeliveries,
    deliveryErrors,
    journaled,
  };
}

/**
 * Re-observes what was touched by anything but an issuance (chain and bundle
 * rewrites, mode and owner fixes): the reasons still found per name (empty:
 * converged). Issuances are checked before writing (checkIssued).
 */
async function verify(
  ctx: PassContext,
  touched: readonly DesiredCertificate[],
  provenance: ReadonlyMap<string, Provenance>,
  refreshTrust: boolean,
): Promise<Map<string, Verified>> {
  const result = new Map<string, Verified>();
  if (touched.length === 0) return result;
  // A first issuance may be when the issuer's intermediates become known.
  const trust = refreshTrust ? ((await loadTrust(ctx.ports)).trust ?? ctx.trust) : ctx.trust;
  let observed: ObservedCertificate[];
  try {
    observed = await ctx.ports.observe(touched, trust);
  } catch (error) {
    ctx.ports.logger.warn('Could not re-observe after acting; the result is unverified.', {
      error: safeErrorMessage(error),
    });
    return result;
  }
  const byName = new Map(observed.map((o) => [o.name, o]));
  const now = ctx.ports.clock();
  for (const cert of touched) {
    const seen = byName.get(cert.name) ?? nothingObserved(cert);
    const p = provenance.get(cert.name);
    const ids = ctx.ids.get(cert.name);
    // The policies alone: verification needs the reasons, not planEntryFor's JSON patch.
    const { reasons } = decide({
      desired: cert,
      observed: seen,
      now,
      ...(p === undefined ? {} : { provenance: p }),
      ...(ids === undefined ? {} : { ids }),
    });
    result.set(cert.name, { reasons, observed: seen });
  }
  return result;
}

export async function reconcileOnce(
  desired: DesiredState,
  ports: ReconcilePorts,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const { logger } = ports;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;

  // Gather, then decide.
  const { trust, trustError, provenance, status, ids, observed, plan } = await gatherAndPlan(desired, ports, {
    ...(options.force === undefined ? {} : { force: options.force }),
  });
  const ctx: PassContext = {
    desired,
    ports,
    options,
    trust,
    trustError,
    provenance,
    status,
    ids,
    issuedTrust: new Map(),
  };
  logger.debug('Plan built.', { summary: plan.summary });

  // Act, each certificate on its own; a failure is a result, never a stop.
  const certs = new Map(desired.certificates.map((c) => [c.name, c]));
  const observedByName = new Map(observed.map((o) => [o.name, o]));
  const entries = new Map(plan.entries.map((e) => [e.name, e]));
  const actionable = plan.entries.filter((e) => shouldAct(e, options));
  const work = new Map<string, WorkResult>();
  let done = 0;
  const queue = new KeyedQueue(
    async (name) => {
      const entry = entries.get(name)!;
      const cert = certs.get(name);
      if (options.signal?.aborted) {
        // The lock was lost: another certloop may be acting on these files now.
        work.set(name, {
          outcome: 'failed',
          filesWritten: false,
          error: 'Not acted on: this run lost its lock, so another certloop may be acting on the files.',
        });
      } else {
        work.set(
          name,
          await act(ctx, entry, cert, observedByName.get(name) ?? (cert && nothingObserved(cert))),
        );
      }
      done += 1;
      options.onProgress?.({ done, total: actionable.length, name, action: entry.action });
    },
    { concurrency: options.concurrency ?? 4 },
  );
  for (const entry of actionable) queue.add(entry.name);
  await queue.onIdle();

  // Hooks, after every write of the pass.
  const hooks = await runHookPhase(ctx, plan, work, observedByName);

  // Verify what was touched, against the provenance as it is now. Issuances
  // were checked in memory before they were written.
  const currentProvenance = new Map(provenance);
  for (const [name, result] of work) if (result.provenance) currentProvenance.set(name, result.provenance);
  const touched = desired.certificates.filter((c) => {
    const result = work.get(c.name);
    return result?.outcome === 'changed' && result.checked === undefined;
  });
  const issuedAny = [...work.values()].some((r) => r.provenance !== undefined);
  const verified = await verify(ctx, touched, currentProvenance, issuedAny);
  for (const [name, result] of work) if (result.checked !== undefined) verified.set(name, result.checked);

  // Results.
  const results: ReconcileResult[] = [];
  const certificates: Record<string, ReturnType<typeof nextCertificateStatus>> = {};
  const now = ports.clock();
  for (const entry of plan.entries) {
    const cert = certs.get(entry.name);
    const result = work.get(entry.name);
    if (cert === undefined) {
      // Orphan: reported; its status goes once it is pruned.
      results.push({
        name: entry.name,
        action: entry.action,
        reasons: entry.reasons,
        outcome: result?.outcome ?? 'unchanged',
        ...(result?.error ? { error: result.error } : {}),
      });
      const previous = status?.certificates[entry.name];
      if (previous !== undefined && result?.outcome !== 'changed') certificates[entry.name] = previous;
      continue;
    }
    let outcome: Outcome = result?.outcome ?? 'unchanged';
    let error = result?.error;
    const check = verified.get(entry.name);
    const remaining = (check?.reasons ?? (result === undefined ? entry.reasons : [])).filter(
      (r) => !AFTER_WRITES.has(r.code),
    );
    if (outcome === 'changed' && check !== undefined && remaining.length > 0) {
      outcome = 'failed';
      error = `The files still drift after the change: ${remaining.map((r) => r.message).join(' ')}`;
    }
    const pending = hooks.pending.get(entry.name) ?? [];
    const pendingDelivery = hooks.pendingDeliveries.get(entry.name);
    const deliveryError = hooks.deliveryErrors.get(entry.name);
    const hookOnly = entry.reasons.every((r) => AFTER_WRITES.has(r.code)) && entry.action !== 'none';
    if (hookOnly && outcome !== 'failed') {
      // Nothing to write; the pass was about the delivery and hooks.
      const failedHooks = hooks.reports.filter((h) => !h.ok && h.names.includes(entry.name));
      outcome = failedHooks.length === 0 && pendingDelivery === undefined ? 'changed' : 'unchanged';
      if (failedHooks.length > 0) {
        outcome = 'failed';
        error = `Hook failed again: ${failedHooks.map((h) => h.command).join(', ')}`;
      }
    }
    if (deliveryError !== undefined && outcome !== 'failed') {
      outcome = 'failed';
      error = `The files did not reach ${pendingDelivery ?? 'the guest'}: ${deliveryError}`;
    }
    const parsed = check?.observed.certificate ?? observedByName.get(entry.name)?.certificate;
    const serial = result?.serial ?? parsed?.serial;
    const notAfter = result?.notAfter ?? parsed?.notAfter;
    results.push({
      name: entry.name,
      action: entry.action,
      reasons: entry.reasons,
      outcome,
      ...(error === undefined ? {} : { error }),
      ...(result?.deferredUntil === undefined ? {} : { retryNotBefore: result.deferredUntil }),
      ...(serial === undefined ? {} : { serial }),
      ...(notAfter === undefined ? {} : { notAfter }),
      ...(pendingDelivery === undefined ? {} : { pendingDelivery }),
    });
    const previous = status?.certificates[entry.name];
    certificates[entry.name] = nextCertificateStatus({
      desired: cert,
      ...(previous === undefined ? {} : { previous }),
      action: entry.action,
      reasons: entry.reasons,
      outcome,
      ...(error === undefined ? {} : { error }),
      ...(result?.terminal ? { terminal: true } : {}),
      ...(result?.deferredUntil === undefined ? {} : { deferred: true }),
      ...(serial === undefined ? {} : { serial }),
      ...(notAfter === undefined ? {} : { notAfter }),
      pendingHooks: pending,
      ...(pendingDelivery === undefined ? {} : { pendingDelivery }),
      remainingReasons: remaining,
      now,
      backoff,
    });
  }

  // Record, only when something changed.
  let statusWritten = false;
  let statusOk = true;
  // A run that lost its lock leaves the status to the process that holds it now.
  const mayRecord = options.signal?.aborted !== true;
  if (mayRecord && (hooks.journaled || statusChanged(status, desired.manifestPath, certificates))) {
    try {
      statusWritten = await ports.status.write({
        version: 1,
        manifestPath: desired.manifestPath,
        updatedAt: now.toISOString(),
        certificates,
      });
    } catch (error) {
      statusOk = false;
      logger.error('Could not write the status file.', { error: safeErrorMessage(error) });
    }
  }

  const summary: Record<Outcome, number> = { changed: 0, unchanged: 0, failed: 0 };
  for (const r of results) summary[r.outcome] += 1;
  const ok = summary.failed === 0 && hooks.reports.every((h) => h.ok) && statusOk;
  return { plan, results, hooks: hooks.reports, summary, statusWritten, ok };
}
