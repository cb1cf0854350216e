/** Reads the v1 manifest's `coordination` section (zod has checked its shape). */
import {
  type CoordinationConfig,
  DEFAULT_ETCD_PREFIX,
  DEFAULT_ETCD_TTL_MS,
  type EtcdCoordination,
  MIN_ETCD_TTL_MS,
} from '../model.js';
import type { ProblemSink } from './problems.js';
import { asRecord, has, type Raw, readDuration, readPath } from './read-values.js';
import { show } from './values.js';

export function readCoordination(
  raw: Raw | undefined,
  manifestDir: string,
  sink: ProblemSink,
): CoordinationConfig | undefined {
  if (raw === undefined) return undefined;
  if (raw.backend === 'file') {
    if (has(raw, 'etcd'))
      sink.error(
        ['coordination', 'etcd'],
        'coordination',
        'coordination.etcd is only read with backend: etcd.',
      );
    return { backend: 'file' };
  }
  if (raw.backend !== 'etcd') return undefined; // zod reported it
  const etcd = asRecord(raw.etcd);
  if (etcd === undefined) {
    sink.error(
      ['coordination'],
      'coordination',
      'coordination: backend etcd needs an etcd section with its endpoints.',
    );
    return undefined;
  }
  const at = ['coordination', 'etcd'];
  const endpoints = Array.isArray(etcd.endpoints) ? etcd.endpoints.filter((e) => typeof e === 'string') : [];
  endpoints.forEach((endpoint, index) => {
    if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
      sink.error(
        [...at, 'endpoints', index],
        'coordination',
        `${show(endpoint)} is not an etcd client URL such as https://10.0.0.5:2379.`,
      );
    }
  });
  const ttlMs = has(etcd, 'ttl') ? readDuration(sink, [...at, 'ttl'], etcd.ttl) : DEFAULT_ETCD_TTL_MS;
  if (ttlMs !== undefined && ttlMs < MIN_ETCD_TTL_MS) {
    sink.error(
      [...at, 'ttl'],
      'coordination',
      `coordination.etcd.ttl must be at least ${MIN_ETCD_TTL_MS / 1000}s.`,
    );
  }
  const config: { -readonly [K in keyof EtcdCoordination]: EtcdCoordination[K] } = {
    backend: 'etcd',
    endpoints,
    prefix: typeof etcd.prefix === 'string' ? etcd.prefix : DEFAULT_ETCD_PREFIX,
    ttlMs: ttlMs ?? DEFAULT_ETCD_TTL_MS,
  };
  for (const field of ['caFile', 'certFile', 'keyFile'] as const) {
    const path = readPath(sink, [...at, field], etcd[field], manifestDir);
    if (path !== undefined) config[field] = path;
  }
  if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
    sink.error(at, 'coordination', 'coordination.etcd: certFile and keyFile go together.');
  }
  return config;
}
