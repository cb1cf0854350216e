/**
 * The *placement only* chain: the certificate is fine, but files around it are
 * not (a stale or missing chain/CA bundle → `update-files`; a wrong mode or
 * owner → `fix-permissions`), or a hook still has to run.
 */
import {
  type DesiredCertificate,
  FILE_ROLES,
  type FileRole,
  guestKey,
  type ObservedCertificate,
  omitUndefined,
} from '@certloop/core';
import { capitalize, formatMode, listInWords, ROLE_LABELS } from '../format.js';
import type { Policy, ResolvedIds } from './input.js';

export const CHAIN_ROLES = ['chain', 'fullchain', 'caBundle'] as const;
export type ChainRole = (typeof CHAIN_ROLES)[number];

/** The mode a file of this role should have. */
export function wantedMode(desired: DesiredCertificate, role: FileRole): number {
  return role === 'key' ? desired.placement.keyMode : desired.placement.fileMode;
}

export interface FilePlacementDrift {
  readonly role: FileRole;
  readonly path: string;
  readonly mode?: { readonly have: number; readonly want: number };
  readonly owner?: {
    readonly haveUid?: number;
    readonly haveGid?: number;
    readonly wantUid?: number;
    readonly wantGid?: number;
  };
}

/**
 * Per existing declared file: the mode and owner/group differences. Shared by
 * the policies (the decision) and the reconciler (which files to fix).
 */
export function placementDrift(
  desired: DesiredCertificate,
  observed: ObservedCertificate,
  ids: ResolvedIds = {},
): FilePlacementDrift[] {
  const drift: FilePlacementDrift[] = [];
  for (const role of FILE_ROLES) {
    const path = desired.files[role];
    const file = observed.files[role];
    if (path === undefined || file === undefined || !file.exists) continue;
    const want = wantedMode(desired, role) & 0o7777;
    const modeDrift = file.mode !== undefined && file.mode !== want ? { have: file.mode, want } : undefined;
    const uidDrift = ids.uid !== undefined && file.uid !== undefined && file.uid !== ids.uid;
    const gidDrift = ids.gid !== undefined && file.gid !== undefined && file.gid !== ids.gid;
    const ownerDrift =
      uidDrift || gidDrift
        ? { haveUid: file.uid, haveGid: file.gid, wantUid: ids.uid ?? file.uid, wantGid: ids.gid ?? file.gid }
        : undefined;
    if (modeDrift === undefined && ownerDrift === undefined) continue;
    drift.push(omitUndefined({ role, path, mode: modeDrift, owner: ownerDrift }));
  }
  return drift;
}

/** Declared chain files that are missing (`missing`) or whose content is not what the issuer gives now (`stale`). */
export function chainFileDrift(
  desired: DesiredCertificate,
  observed: ObservedCertificate,
): { missing: ChainRole[]; stale: ChainRole[] } {
  const missing: ChainRole[] = [];
  const stale: ChainRole[] = [];
  for (const role of CHAIN_ROLES) {
    if (desired.files[role] === undefined) continue;
    const file = observed.files[role];
    if (file === undefined || !file.exists) missing.push(role);
    // undefined = unknown (no trust material this pass): not drift.
    else if (observed.chainFilesCurrent[role] === false) stale.push(role);
  }
  return { missing, stale };
}

function describeFiles(desired: DesiredCertificate, roles: readonly ChainRole[]): string {
  return listInWords(roles.map((role) => `${ROLE_LABELS[role]} ${desired.files[role]}`));
}

export const chainMissing: Policy = ({ desired, observed }) => {
  const { missing } = chainFileDrift(desired, observed);
  if (missing.length === 0) return null;
  const verb = missing.length === 1 ? 'is' : 'are';
  return {
    code: 'chain-missing',
    message: `${capitalize(describeFiles(desired, missing))} ${verb} missing.`,
  };
};

export const chainStale: Policy = ({ desired, observed }) => {
  const { stale } = chainFileDrift(desired, observed);
  if (stale.length === 0) return null;
  const verb = stale.length === 1 ? 'differs' : 'differ';
  return {
    code: 'chain-stale',
    message: `${capitalize(describeFiles(desired, stale))} ${verb} from what the issuer gives now.`,
  };
};

export const modeDiffers: Policy = ({ desired, observed, ids }) => {
  const drift = placementDrift(desired, observed, ids);
  if (drift.length === 0) return null;
  const parts = drift.flatMap((d) =>
    d.mode === undefined
      ? []
      : [`${ROLE_LABELS[d.role]} mode ${formatMode(d.mode.have)}, want ${formatMode(d.mode.want)}`],
  );
  if (parts.length === 0) return null;
  return { code: 'mode-differs', message: `${capitalize(parts.join('; '))}.` };
};

function ids(uid: number | undefined, gid: number | undefined): string {
  return `${uid ?? '?'}:${gid ?? '?'}`;
}

export const ownerDiffers: Policy = ({ desired, observed, ids: resolved }) => {
  const drift = placementDrift(desired, observed, resolved);
  if (drift.length === 0) return null;
  const parts = drift.flatMap((d) =>
    d.owner === undefined
      ? []
      : [
          `${ROLE_LABELS[d.role]} owner ${ids(d.owner.haveUid, d.owner.haveGid)}, want ${ids(d.owner.wantUid, d.owner.wantGid)}`,
        ],
  );
  if (parts.length === 0) return null;
  const names = [desired.placement.owner, desired.placement.group].filter((n) => n !== undefined).join(':');
  return { code: 'owner-differs', message: `${capitalize(parts.join('; '))} (${names}).` };
};

/** Hooks recorded as pending that the manifest still declares for this certificate. */
export function pendingHooksOf(
  desired: DesiredCertificate,
  pending: readonly string[] | undefined,
): string[] {
  if (pending === undefined || pending.length === 0) return [];
  const declared = new Set(desired.hooks.map((h) => h.command));
  return pending.filter((command) => declared.has(command));
}

/**
 * A hook that failed earlier is unfinished placement: the files are right but
 * their consumers were not told. It maps to `update-files` (see actions.ts);
 * the hook phase of the pass runs it again.
 */
export const hookPending: Policy = ({ desired, status }) => {
  const pending = pendingHooksOf(desired, status?.pendingHooks);
  if (pending.length === 0) return null;
  const quoted = listInWords(pending.map((c) => `\`${c}\``));
  const noun = pending.length === 1 ? 'hook' : 'hooks';
  return {
    code: 'hook-pending',
    message: `The post-renewal ${noun} ${quoted} failed earlier and must run again.`,
  };
};

/**
 * Files that did not reach their guest are unfinished placement too: the
 * shared copy is right, the guest's is not. No reissue: the delivery phase
 * sends the files on disk when the guest runs.
 */
export const deliveryPending: Policy = ({ desired, status }) => {
  const target = status?.pendingDelivery;
  if (target === undefined || desired.delivery === undefined) return null;
  const guest = guestKey(desired.delivery);
  return {
    code: 'delivery-pending',
    message: `The files have not been delivered into ${guest.replace('/', ' ')} yet; they will be, then its hooks run, when it runs.`,
  };
};

/** Files first (they need writes), then attributes, then deliveries and hooks (which run after everything). */
export const NEEDS_PLACEMENT_FIX: readonly Policy[] = [
  chainMissing,
  chainStale,
  modeDiffers,
  ownerDiffers,
  deliveryPending,
  hookPending,
];
