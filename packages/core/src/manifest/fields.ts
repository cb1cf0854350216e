/**
 * Which manifest fields change a certificate's content (a new certificate is
 * needed) and which only change its placement, schedule or hooks (fixable or
 * effective without reissuing). The model mirrors this: `spec` holds exactly
 * the content fields and is what `specHash` covers.
 */
export type FieldEffect =
  /** Changes what is in the certificate: reissue (the spec hash changes). */
  | 'content'
  /** Changes where or how files are written: files, owner, group, modes (update-files / fix-permissions). */
  | 'placement'
  /** Changes when the certificate is renewed or how its key is kept: no immediate action. */
  | 'policy'
  /** Changes what runs after a write (hooks, delivery into a guest): takes effect at the next write. */
  | 'hooks'
  /** The certificate's identity (its name): a different name is a different certificate. */
  | 'identity';

/** Every field of both formats and of the model, by effect. Nested fields use dots. */
export const FIELD_EFFECTS: Readonly<Record<string, FieldEffect>> = {
  // v1
  name: 'identity',
  commonName: 'content',
  sans: 'content',
  dns: 'content',
  ip: 'content',
  email: 'content',
  uri: 'content',
  duration: 'content',
  'key.algorithm': 'content',
  'key.rotation': 'policy',
  renewBefore: 'policy',
  renewAt: 'policy',
  files: 'placement',
  'files.cert': 'placement',
  'files.key': 'placement',
  'files.chain': 'placement',
  'files.fullchain': 'placement',
  'files.caBundle': 'placement',
  owner: 'placement',
  group: 'placement',
  mode: 'placement',
  keyMode: 'placement',
  hooks: 'hooks',
  usage: 'content',
  delivery: 'hooks',
  // legacy
  common_name: 'content',
  cert_path: 'placement',
  key_path: 'placement',
  permissions: 'placement',
  post_renewal_command: 'hooks',
  cert_type: 'content',
  guest_id: 'hooks',
  guest_type: 'hooks',
  // Adds the shared ca.pem (placement) and the CA in the guest.
  include_ca: 'placement',
  // model (DesiredCertificate)
  spec: 'content',
  'spec.commonName': 'content',
  'spec.sans': 'content',
  'spec.keyAlgorithm': 'content',
  'spec.lifetimeMs': 'content',
  'spec.usage': 'content',
  rotation: 'policy',
  renewal: 'policy',
  placement: 'placement',
  'placement.owner': 'placement',
  'placement.group': 'placement',
  'placement.fileMode': 'placement',
  'placement.keyMode': 'placement',
};

/** The effect of changing a field (manifest field of either format, or model field), or undefined if unknown. */
export function fieldEffect(field: string): FieldEffect | undefined {
  if (Object.hasOwn(FIELD_EFFECTS, field)) return FIELD_EFFECTS[field];
  // "hooks.0.timeout" -> "hooks", "sans.2" -> "sans", "spec.sans.dns" -> "spec.sans"
  const parent = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : undefined;
  return parent === undefined ? undefined : fieldEffect(parent);
}

/** True when changing the field needs a new certificate. */
export function isContentField(field: string): boolean {
  return fieldEffect(field) === 'content';
}
