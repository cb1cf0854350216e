export { formatDuration, parseDuration } from './duration.js';
export { FIELD_EFFECTS, type FieldEffect, fieldEffect, isContentField } from './fields.js';
export { LEGACY_CERT_ROLE } from './legacy.js';
export type { LoadOptions } from './options.js';
export { type LoadedManifest, loadManifest, parseManifest } from './parse.js';
export { detectSanType, type SanType } from './sans.js';
export { specHash } from './spec-hash.js';
export {
  toV1Manifest,
  type V1CertificateDocument,
  type V1DefaultsDocument,
  type V1ManifestDocument,
} from './to-v1.js';
export { V1_API_VERSION, V1_KIND, v1JsonSchema } from './v1-schema.js';
