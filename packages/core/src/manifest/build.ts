/** Builds the frozen desired state from drafts that passed every rule. */
import { freeze } from 'immer';
import type {
  CertificateSpec,
  DesiredCertificate,
  DesiredState,
  EngineSettings,
  Hook,
  IssuerConfig,
  ManifestFormat,
  OutputFiles,
  SubjectAltNames,
} from '../model.js';
import { ifDefined, omitUndefined } from '../objects.js';
import type { Draft } from './draft.js';
import { specHash } from './spec-hash.js';

export function buildState(input: {
  manifestPath: string;
  format: ManifestFormat;
  issuer: IssuerConfig | undefined;
  settings: EngineSettings;
  drafts: readonly Draft[];
}): DesiredState {
  const certificates = input.drafts
    .map(toCertificate)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Certificates are frozen by their known shape as they are built (immer's
  // generic deep freeze walked 10,000 of them key by key); the small rest goes
  // through immer. A test walks a full state to prove nothing is left unfrozen.
  return Object.freeze({
    manifestPath: input.manifestPath,
    format: input.format,
    issuer: freeze(input.issuer, true),
    settings: freeze(input.settings, true),
    certificates: Object.freeze(certificates),
  });
}

function toCertificate(draft: Draft): DesiredCertificate {
  const spec: CertificateSpec = Object.freeze({
    commonName: draft.commonName,
    sans: freezeSans(draft.sans),
    keyAlgorithm: draft.keyAlgorithm,
    usage: draft.usage,
    lifetimeMs: draft.lifetimeMs.value,
  });
  const files: Partial<Record<string, string>> = {};
  for (const file of draft.files) files[file.role] = file.path;
  return Object.freeze({
    name: draft.name,
    entryIndex: draft.entryIndex,
    spec,
    rotation: draft.rotation.value,
    // Legacy drafts share one renewal object; freezing it again is a no-op.
    renewal: Object.freeze(draft.renewal.value),
    files: Object.freeze(files as OutputFiles),
    placement: Object.freeze(draft.placement),
    hooks: freezeHooks(draft.hooks),
    ...omitUndefined({ delivery: ifDefined(draft.delivery, (delivery) => Object.freeze(delivery)) }),
    specHash: specHash(spec),
  });
}

function freezeHooks(hooks: Hook[]): readonly Hook[] {
  for (const hook of hooks) Object.freeze(hook);
  return Object.freeze(hooks);
}

function freezeSans(sans: SubjectAltNames): SubjectAltNames {
  Object.freeze(sans.dns);
  Object.freeze(sans.ip);
  Object.freeze(sans.email);
  Object.freeze(sans.uri);
  return Object.freeze(sans);
}
