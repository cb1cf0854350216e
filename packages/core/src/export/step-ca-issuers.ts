/**
 * The issuer objects that let cert-manager sign with the same Step-CA, for
 * `certloop export --issuer-object`. Two ways, with different trade-offs
 * (docs/scale.md):
 * - `acme`: cert-manager's own ACME issuer against step-ca's ACME provisioner.
 *   Nothing to install beyond cert-manager, but the CA must reach the
 *   solver (HTTP-01 through an ingress) and step-ca needs an ACME provisioner.
 * - `step-issuer`: smallstep's external issuer, signing with the same JWK
 *   provisioner as certloop. No challenge to solve; the step-issuer
 *   controller must be installed and the provisioner password lives in a Secret.
 */
import { ifDefined, omitUndefined } from '../objects.js';
import type { IssuerReference } from './cert-manager.js';

export const ISSUER_OBJECTS = ['acme', 'step-issuer'] as const;
export type IssuerObjectKind = (typeof ISSUER_OBJECTS)[number];

export interface StepCaEndpoint {
  /** The CA's base URL, https. */
  readonly url: string;
  /** The root certificate(s), PEM, when known: cert-manager trusts the CA with it. */
  readonly rootPem?: string;
}

export interface IssuerObjectOptions {
  /** `ClusterIssuer` / `Issuer` (acme), `StepClusterIssuer` / `StepIssuer` (step-issuer), from the scope asked for. */
  readonly clusterScoped: boolean;
  readonly name: string;
  readonly namespace?: string;
  readonly ca: StepCaEndpoint;
  /** acme: step-ca's ACME provisioner name. */
  readonly acmeProvisioner?: string;
  /** step-issuer: the JWK provisioner's name and key id (`step ca provisioner list`). */
  readonly provisioner?: string;
  readonly provisionerKid?: string;
}

export interface IssuerObject {
  readonly object: Record<string, unknown>;
  /** The reference each Certificate carries to it. */
  readonly reference: IssuerReference;
  /** Sentences for the operator: what to create beside it. */
  readonly notes: readonly string[];
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function metadata(options: IssuerObjectOptions): Record<string, string> {
  // A cluster-scoped issuer has no namespace.
  return omitUndefined({
    name: options.name,
    namespace: options.clusterScoped ? undefined : options.namespace,
  });
}

export function acmeIssuerObject(options: IssuerObjectOptions): IssuerObject {
  const kind = options.clusterScoped ? 'ClusterIssuer' : 'Issuer';
  const provisioner = options.acmeProvisioner ?? 'acme';
  const accountKey = `${options.name}-acme-account`;
  return {
    object: {
      apiVersion: 'cert-manager.io/v1',
      kind,
      metadata: metadata(options),
      spec: {
        acme: omitUndefined({
          server: `${options.ca.url}/acme/${encodeURIComponent(provisioner)}/directory`,
          caBundle: ifDefined(options.ca.rootPem, base64),
          privateKeySecretRef: { name: accountKey },
          solvers: [{ http01: { ingress: {} } }],
        }),
      },
    },
    reference: { name: options.name, kind, group: 'cert-manager.io' },
    notes: [
      `step-ca must have an ACME provisioner named "${provisioner}" (step ca provisioner add ${provisioner} --type ACME).`,
      'The HTTP-01 solver answers through an ingress: step-ca must reach the names being certified.',
      ...(options.ca.rootPem === undefined
        ? ['No root certificate was given (--root): add spec.acme.caBundle so cert-manager trusts step-ca.']
        : []),
    ],
  };
}

export function stepIssuerObject(options: IssuerObjectOptions): IssuerObject {
  const kind = options.clusterScoped ? 'StepClusterIssuer' : 'StepIssuer';
  const secret = `${options.name}-provisioner-password`;
  const namespace = options.namespace ?? 'default';
  return {
    object: {
      apiVersion: 'certmanager.step.sm/v1beta1',
      kind,
      metadata: metadata(options),
      spec: {
        url: options.ca.url,
        ...omitUndefined({ caBundle: ifDefined(options.ca.rootPem, base64) }),
        provisioner: {
          name: options.provisioner,
          kid: options.provisionerKid,
          passwordRef: {
            name: secret,
            key: 'password',
            ...(options.clusterScoped ? { namespace } : {}),
          },
        },
      },
    },
    reference: { name: options.name, kind, group: 'certmanager.step.sm' },
    notes: [
      "smallstep's step-issuer controller must be installed in the cluster.",
      `Create the Secret that holds the provisioner password: kubectl -n ${namespace} create secret generic ${secret} --from-file=password=PASSWORD_FILE`,
    ],
  };
}
