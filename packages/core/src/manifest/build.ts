/** Builds the frozen desired state from drafts that passed every rule. */
import { freeze } from 'immer';
import type {
  DesiredCertificate,
  DesiredState,
  EngineSettings,
  IssuerConfig,
  ManifestFormat,
  OutputFiles,
} from '../model.js';
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
  const state: DesiredState = {
    manifestPath: input.manifestPath,
    format: input.format,
    issuer: input.issuer,
    settings: input.settings,
    certificates,
  };
  return freeze(state, true);
}

function toCertificate(draft: Draft): DesiredCertificate {
  const spec = {
    commonName: draft.commonName,
    sans: draft.sans,
    keyAlgorithm: draft.keyAlgorithm,
    lifetimeMs: draft.lifetimeMs.value,
  };
  const files: Partial<Record<string, string>> = {};
  for (const file of draft.files) files[file.role] = file.path;
  return {
    name: draft.name,
    entryIndex: draft.entryIndex,
    spec,
    rotation: draft.rotation.value,
    renewal: draft.renewal.value,
    files: files as OutputFiles,
    placement: draft.placement,
    hooks: draft.hooks,
    specHash: specHash(spec),
  };
}
