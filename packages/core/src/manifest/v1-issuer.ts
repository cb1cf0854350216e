/** Normalises the v1 `issuer` section: exactly one kind, its paths absolute, its URL and fingerprint canonical. */
import type { IssuerConfig } from '../model.js';
import { ifDefined, omitUndefined } from '../objects.js';
import type { Layered } from './layered.js';
import type { ProblemSink } from './problems.js';
import { checkFingerprint, checkManifestPath, checkOneIssuer, checkStepCaUrl } from './rules/values.js';
import type { V1Issuer } from './v1-schema.js';

export function normaliseIssuer(
  section: Layered<V1Issuer>,
  manifestDir: string,
  sink: ProblemSink,
): IssuerConfig | undefined {
  const kinds = (['stepCA', 'local'] as const).filter((kind) => section[kind] !== undefined);
  if (!checkOneIssuer(sink, ['issuer'], kinds)) return undefined;
  if (section.local !== undefined) {
    const directory = ifDefined(section.local.directory, (text) =>
      checkManifestPath(sink, ['issuer', 'local', 'directory'], text, manifestDir),
    );
    return directory === undefined ? undefined : { type: 'local', id: `local:${directory}`, directory };
  }
  const step = section.stepCA;
  if (step?.url === undefined) return undefined;
  const url = checkStepCaUrl(sink, ['issuer', 'stepCA', 'url'], step.url);
  const path = (name: 'root' | 'passwordFile') =>
    ifDefined(step[name], (text) => checkManifestPath(sink, ['issuer', 'stepCA', name], text, manifestDir));
  return omitUndefined({
    type: 'step-ca' as const,
    id: `step-ca:${url}`,
    url,
    root: path('root'),
    fingerprint: ifDefined(step.fingerprint, (hex) =>
      checkFingerprint(sink, ['issuer', 'stepCA', 'fingerprint'], hex),
    ),
    provisioner: step.provisioner,
    passwordFile: path('passwordFile'),
    renewal: step.renewal,
  });
}
