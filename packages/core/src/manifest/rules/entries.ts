/**
 * Semantic rules that look at a whole certificate or at all of them: each is
 * a named function that reports to the sink and never stops the others.
 */

import type { Draft } from '../draft.js';
import { formatDuration } from '../duration.js';
import type { DocPath, ProblemSink } from '../problems.js';
import { commonNameAsSan, sanCount } from '../sans.js';
import { describePath } from '../zod-problems.js';

export interface RuleContext {
  drafts: readonly Draft[];
  sink: ProblemSink;
  /** v1 names are written by people and must be unique; legacy names are derived and made unique. */
  checkNames: boolean;
}

export type ManifestRule = (context: RuleContext) => void;

/** Two certificates with one name would fight over one status and provenance record. */
export const uniqueNames: ManifestRule = ({ drafts, sink, checkNames }) => {
  if (!checkNames) return;
  const first = new Map<string, Draft>();
  for (const draft of drafts) {
    const earlier = first.get(draft.name);
    if (earlier === undefined) first.set(draft.name, draft);
    else
      sink.error(
        draft.namePath,
        'duplicate-name',
        `${describePath(draft.namePath)} "${draft.name}" is already the name of ${describePath(earlier.at)}; names must be unique.`,
      );
  }
};

/** Every file has one writer: two certificates (or a cert and a key) on one path overwrite each other. */
export const uniquePaths: ManifestRule = ({ drafts, sink }) => {
  // Locations are described only on a clash: most manifests have none.
  const writers = new Map<string, DocPath>();
  for (const draft of drafts) {
    for (const file of draft.files) {
      const earlier = writers.get(file.path);
      if (earlier === undefined) writers.set(file.path, file.at);
      else
        sink.error(
          file.at,
          'duplicate-path',
          `${describePath(file.at)} writes ${file.path}, which ${describePath(earlier)} also writes; every file needs its own path.`,
        );
    }
  }
};

/** The renewal point must come before expiry, or every pass would renew. */
export const renewalBeforeExpiry: ManifestRule = ({ drafts, sink }) => {
  for (const draft of drafts) {
    const before = draft.renewal.value.beforeExpiryMs;
    const lifetime = draft.lifetimeMs.value;
    if (before === undefined || before < lifetime) continue;
    // Point at the certificate when it set either value itself; otherwise at the shared default (reported once).
    const target = draft.renewal.explicit || !draft.lifetimeMs.explicit ? draft.renewal : draft.lifetimeMs;
    const where = draft.renewal.explicit || draft.lifetimeMs.explicit ? `${describePath(draft.at)}: ` : '';
    sink.error(
      target.at,
      'renewal-after-lifetime',
      `${where}the renewal point (${formatDuration(before)} before expiry, from ${draft.renewal.source}) must be shorter than the lifetime (${formatDuration(lifetime)}, from ${draft.lifetimeMs.source}).`,
    );
  }
};

/** Keeping the key (rotation never) needs a key file to keep it in. */
export const keptKeyNeedsKeyFile: ManifestRule = ({ drafts, sink }) => {
  for (const draft of drafts) {
    if (draft.rotation.value !== 'never' || draft.files.some((f) => f.role === 'key')) continue;
    if (draft.files.length === 0) continue;
    sink.error(
      draft.rotation.explicit ? draft.rotation.at : [...draft.at, 'files'],
      'rotation-needs-key-file',
      `${describePath(draft.at)} keeps its key (rotation: never) but writes no key file; add files.key or use rotation: always.`,
    );
  }
};

/** Warnings: clients match SANs, not the CN, so a CN missing from explicit SANs is likely a slip. */
export const commonNameAmongSans: ManifestRule = ({ drafts, sink }) => {
  for (const draft of drafts) {
    if (draft.commonName === '') continue;
    // Explicit SAN lists that came out empty were either meant so or already reported as invalid.
    if (sanCount(draft.sans) === 0 && !draft.sansExplicit) {
      sink.warn(
        draft.sansAt,
        'no-sans',
        `${describePath(draft.at)} has no subject alternative names; TLS clients will not accept it for any host name.`,
      );
      continue;
    }
    if (!draft.sansExplicit || sanCount(draft.sans) === 0) continue;
    const san = commonNameAsSan(draft.commonName);
    if (san !== undefined && !draft.sans[san.type].includes(san.value)) {
      sink.warn(
        draft.sansAt,
        'cn-not-in-sans',
        `${describePath(draft.at)} lists SANs without its common name ${draft.commonName}; it is not added (as with step ca certificate).`,
      );
    }
  }
};

/** Every rule, in the order their problems read best. */
export const MANIFEST_RULES: readonly ManifestRule[] = [
  uniqueNames,
  uniquePaths,
  renewalBeforeExpiry,
  keptKeyNeedsKeyFile,
  commonNameAmongSans,
];

export function runRules(context: RuleContext): void {
  for (const rule of MANIFEST_RULES) rule(context);
}
