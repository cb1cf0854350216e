/** Normalises the v1 manifest's `coordination` section, as its schema let it through, with its rules. */
import {
  type CoordinationConfig,
  DEFAULT_ETCD_PREFIX,
  DEFAULT_ETCD_TTL_MS,
  type EtcdCoordination,
  MIN_ETCD_TTL_MS,
} from '../model.js';
import { ifDefined, omitUndefined } from '../objects.js';
import type { Layered } from './layered.js';
import type { DocPath, ProblemSink } from './problems.js';
import { checkDuration, checkManifestPath } from './rules/values.js';
import type { V1Coordination } from './v1-schema.js';
import { show } from './values.js';

const ETCD_CLIENT_URL = /^https?:\/\/[^/]+\/?$/;

export function normaliseCoordination(
  section: Layered<V1Coordination>,
  manifestDir: string,
  sink: ProblemSink,
): CoordinationConfig | undefined {
  if (section.backend === 'file') {
    if (section.etcd !== undefined) {
      sink.error(
        ['coordination', 'etcd'],
        'coordination',
        'coordination.etcd is only read with backend: etcd.',
      );
    }
    return { backend: 'file' };
  }
  if (section.backend !== 'etcd') return undefined; // the schema reported it
  if (section.etcd === undefined) {
    sink.error(
      ['coordination'],
      'coordination',
      'coordination: backend etcd needs an etcd section with its endpoints.',
    );
    return undefined;
  }
  return normaliseEtcd(section.etcd, ['coordination', 'etcd'], manifestDir, sink);
}

function normaliseEtcd(
  etcd: NonNullable<Layered<V1Coordination>['etcd']>,
  at: DocPath,
  manifestDir: string,
  sink: ProblemSink,
): EtcdCoordination {
  const endpoints = (etcd.endpoints ?? []).filter((endpoint) => endpoint !== undefined);
  endpoints.forEach((endpoint, index) => {
    if (!ETCD_CLIENT_URL.test(endpoint)) {
      sink.error(
        [...at, 'endpoints', index],
        'coordination',
        `${show(endpoint)} is not an etcd client URL such as https://10.0.0.5:2379.`,
      );
    }
  });
  const ttlMs =
    ifDefined(etcd.ttl, (text) => checkDuration(sink, [...at, 'ttl'], text)) ?? DEFAULT_ETCD_TTL_MS;
  if (ttlMs < MIN_ETCD_TTL_MS) {
    sink.error(
      [...at, 'ttl'],
      'coordination',
      `coordination.etcd.ttl must be at least ${MIN_ETCD_TTL_MS / 1000}s.`,
    );
  }
  const path = (field: 'caFile' | 'certFile' | 'keyFile') =>
    ifDefined(etcd[field], (value) => checkManifestPath(sink, [...at, field], value, manifestDir));
  const config: EtcdCoordination = omitUndefined({
    backend: 'etcd' as const,
    endpoints,
    prefix: etcd.prefix ?? DEFAULT_ETCD_PREFIX,
    ttlMs,
    caFile: path('caFile'),
    certFile: path('certFile'),
    keyFile: path('keyFile'),
  });
  if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
    sink.error(at, 'coordination', 'coordination.etcd: certFile and keyFile go together.');
  }
  return config;
}
