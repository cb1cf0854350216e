/**
 * The structure of a certloop v1 manifest (zod). It checks shapes only:
 * types, required and unknown fields, enumerations. Value syntax (SANs,
 * durations, modes, paths) is checked by the named rules, which give better
 * messages; the `pattern`s in `.meta()` only flow into the JSON Schema for editors.
 */
import type { z as ZodTypes } from 'zod';
import {
  CERTIFICATE_USAGES,
  COORDINATION_BACKENDS,
  FILE_ROLES,
  GUEST_TYPES,
  KEY_ALGORITHMS,
  RENEWAL_MODES,
  ROTATION_POLICIES,
} from '../model.js';
import { type Layered, parseLayered } from './layered.js';
import type { ProblemSink } from './problems.js';
import { zod } from './zod-module.js';
import { reportZodIssues } from './zod-problems.js';

export const V1_API_VERSION = 'certloop.dev/v1';
export const V1_KIND = 'CertificateManifest';

export const DURATION_PATTERN = '^[-+]?(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+)$';
export const MODE_PATTERN = '^0?[0-7]{3}$';
const PATH_PATTERN = '^(/|\\./|\\.\\./)';

// Built on first use (zod is loaded lazily, see zod-module.ts).
function buildSchemas() {
  const { z } = zod();
  const duration = (description: string) =>
    z.string().meta({ description, pattern: DURATION_PATTERN, examples: ['24h', '90m', '1h30m', '30d'] });
  const filePath = (description: string) => z.string().meta({ description, pattern: PATH_PATTERN });
  const mode = (description: string) =>
    z.string().meta({ description, pattern: MODE_PATTERN, examples: ['0640'] });
  const names = (description: string) => z.array(z.string()).meta({ description });

  const renewAt = z
    .union([z.number(), z.string()], { error: 'must be a fraction such as "2/3", 0.66 or "66%"' })
    .meta({
      description: 'Renew when this fraction of the lifetime has passed (cert-manager style), e.g. "2/3".',
    });

  const hookTimeout = z
    .union([z.string(), z.number()], { error: 'must be a duration such as "5m" or a number of seconds' })
    .meta({ description: 'How long the hook may run: a duration ("5m") or a number of seconds.' });

  const key = z
    .strictObject({
      algorithm: z.enum(KEY_ALGORITHMS).optional().meta({ description: 'Key algorithm and size.' }),
      rotation: z
        .enum(ROTATION_POLICIES)
        .optional()
        .meta({ description: 'always: a fresh key on every issuance; never: keep the existing key.' }),
    })
    .meta({ description: 'Private key settings.' });

  const hook = z
    .strictObject({
      command: z
        .string()
        .meta({ description: 'Run with /bin/sh -c after the certificate was (re)written.', minLength: 1 }),
      timeout: hookTimeout.optional(),
    })
    .meta({ description: 'A command to run after the certificate files changed.' });

  const fileShape = Object.fromEntries(
    FILE_ROLES.map((role) => [role, filePath(`Where to write the ${role} file.`).optional()]),
  ) as Record<(typeof FILE_ROLES)[number], ZodTypes.ZodOptional<ZodTypes.ZodString>>;

  const files = z.strictObject(fileShape).meta({
    description:
      'Output files: cert (leaf), key, chain (intermediates), fullchain (leaf + intermediates), caBundle (roots). At least one.',
    minProperties: 1,
  });

  const guestPath = (description: string) => z.string().meta({ description, pattern: '^/' });
  const delivery = z
    .strictObject({
      guestType: z.enum(GUEST_TYPES).meta({
        description:
          'lxc: a container, files pushed with pct push; vm: a QEMU VM, files sent through its guest agent.',
      }),
      guestId: z.number().int().positive().meta({ description: 'The Proxmox CTID or VMID.' }),
      certPath: guestPath('Where the certificate lands in the guest (default /tmp/cert.pem).').optional(),
      keyPath: guestPath('Where the key lands in the guest, mode 0600 (default /tmp/key.pem).').optional(),
      caPath: guestPath("Where the issuer's roots land in the guest; omit to deliver none.").optional(),
    })
    .meta({
      description:
        'Deliver the files into a Proxmox guest after they are written and before the hooks run (legacy guest_id, guest_type, include_ca).',
    });

  const placementFields = {
    owner: z.string().optional().meta({ description: 'File owner: user name or numeric uid.' }),
    group: z.string().optional().meta({ description: 'File group: group name or numeric gid.' }),
    mode: mode('Octal mode of the public files (cert, chain, fullchain, caBundle).').optional(),
    keyMode: mode('Octal mode of the private key file.').optional(),
  };

  const scheduleFields = {
    duration: duration('Requested certificate lifetime.').optional(),
    renewBefore: duration('Renew when less than this remains before expiry.').optional(),
    renewAt: renewAt.optional(),
  };

  const v1CertificateSchema = z
    .strictObject({
      name: z
        .string()
        .meta({ description: 'Stable, unique name of this certificate (letters, digits, . _ - #).' }),
      commonName: z.string().meta({ description: 'Subject common name.' }),
      sans: names('SANs of any type, detected: DNS names, IPv4/IPv6 addresses, emails, URIs.').optional(),
      dns: names('DNS SANs.').optional(),
      ip: names('IP address SANs.').optional(),
      email: names('Email SANs.').optional(),
      uri: names('URI SANs.').optional(),
      ...scheduleFields,
      key: key.optional(),
      usage: z
        .enum(CERTIFICATE_USAGES)
        .optional()
        .meta({ description: 'server (serverAuth, default) or client (clientAuth); legacy cert_type.' }),
      files,
      delivery: delivery.optional(),
      ...placementFields,
      hooks: z
        .array(hook)
        .optional()
        .meta({ description: 'Commands run after this certificate was (re)written.' }),
    })
    .meta({ description: 'One certificate.' });

  const v1DefaultsSchema = z
    .strictObject({
      ...scheduleFields,
      key: key.optional(),
      ...placementFields,
      hookTimeout: hookTimeout.optional(),
    })
    .meta({ description: 'Values for every certificate that does not set its own.' });

  const stepCA = z
    .strictObject({
      url: z.string().meta({ description: 'The step-ca URL, e.g. https://ca.internal:9000.' }),
      root: filePath('Root certificate PEM file that the CA chains to.').optional(),
      fingerprint: z.string().optional().meta({
        description: 'SHA-256 fingerprint (hex) of the root certificate.',
        pattern: '^[0-9a-fA-F:]{64,95}$',
      }),
      provisioner: z.string().optional().meta({ description: 'JWK provisioner name.' }),
      passwordFile: filePath('File holding the provisioner password.').optional(),
      renewal: z.enum(RENEWAL_MODES).optional().meta({
        description:
          'auto (default): renew a valid certificate over mTLS with itself, else with the provisioner; mtls: only over mTLS once issued; provisioner: always a provisioner token.',
      }),
    })
    .meta({ description: 'A smallstep step-ca.' });

  const local = z
    .strictObject({
      directory: filePath("Directory of certloop's built-in local CA (created when missing)."),
    })
    .meta({ description: "certloop's built-in local CA." });

  const v1IssuerSchema = z.strictObject({ stepCA: stepCA.optional(), local: local.optional() }).meta({
    description: 'Exactly one issuer. Omit to take it from flags or the environment.',
    minProperties: 1,
    maxProperties: 1,
  });

  const v1CoordinationSchema = z
    .strictObject({
      backend: z.enum(COORDINATION_BACKENDS).meta({
        description: 'file: a lease file in the state directory (on shared storage); etcd: a lease in etcd.',
      }),
      etcd: z
        .strictObject({
          endpoints: z
            .array(z.string())
            .min(1)
            .meta({ description: 'etcd client URLs, e.g. https://10.0.0.5:2379.' }),
          prefix: z
            .string()
            .optional()
            .meta({ description: 'Key prefix of the election keys; /certloop/ by default.' }),
          ttl: duration(
            'Lease time to live: a dead leader is replaced after about this long; 15s by default.',
          ).optional(),
          caFile: filePath("The CA certificate of etcd's server certificate.").optional(),
          certFile: filePath('Client certificate, when etcd checks clients.').optional(),
          keyFile: filePath('Client private key, when etcd checks clients.').optional(),
        })
        .optional(),
    })
    .meta({ description: 'How reconcilers on several hosts take turns acting on this manifest.' });

  const v1ManifestSchema = z
    .strictObject({
      $schema: z.string().optional(),
      apiVersion: z.literal(V1_API_VERSION),
      kind: z.literal(V1_KIND),
      issuer: v1IssuerSchema.optional(),
      stateDir: filePath('Directory for locks, status and provenance.').optional(),
      defaults: v1DefaultsSchema.optional(),
      coordination: v1CoordinationSchema.optional(),
      certificates: z.array(v1CertificateSchema).meta({ description: 'The certificates; may be empty.' }),
    })
    .meta({ title: 'certloop v1 certificate manifest' });

  return {
    certificate: v1CertificateSchema,
    coordination: v1CoordinationSchema,
    defaults: v1DefaultsSchema,
    issuer: v1IssuerSchema,
    manifest: v1ManifestSchema,
  };
}

type V1Schemas = ReturnType<typeof buildSchemas>;
export type V1Manifest = ZodTypes.output<V1Schemas['manifest']>;
export type V1Certificate = ZodTypes.output<V1Schemas['certificate']>;
export type V1Defaults = ZodTypes.output<V1Schemas['defaults']>;
export type V1Issuer = ZodTypes.output<V1Schemas['issuer']>;
export type V1Coordination = ZodTypes.output<V1Schemas['coordination']>;

let schemas: V1Schemas | undefined;

/** The v1 schemas, built (and zod loaded) on first call. */
export function v1Schemas(): V1Schemas {
  schemas ??= buildSchemas();
  return schemas;
}

/**
 * The structure step of a v1 manifest: every shape problem reported (unknown
 * fields are errors: a typo must not pass), and what has the right shape
 * returned, layer by layer, for normalisation.
 */
export function readV1Document(data: unknown, sink: ProblemSink): Layered<V1Manifest> {
  const { data: document, issues } = parseLayered(v1Schemas().manifest, data);
  reportZodIssues(issues, [], sink, { unknownFields: 'error' });
  return document ?? {};
}

/** The JSON Schema shipped in packages/core/schema/certloop-v1.schema.json. */
export function v1JsonSchema(): Record<string, unknown> {
  return zod().z.toJSONSchema(v1Schemas().manifest, { io: 'input' }) as Record<string, unknown>;
}
