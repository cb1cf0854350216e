/** Builders for issue requests and a recording logger, shared by the issuer tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IssueRequest, KeyAlgorithm, LogFields, Logger, SubjectAltNames } from '@certloop/core';

type Modifier = (request: IssueRequest) => IssueRequest;

export function aRequest(...modifiers: Modifier[]): IssueRequest {
  const base: IssueRequest = {
    name: 'web',
    commonName: 'web.internal.example',
    sans: { dns: ['web.internal.example'], ip: [], email: [], uri: [] },
    keyAlgorithm: 'ecdsa-p256',
    lifetimeMs: 3_600_000,
  };
  return modifiers.reduce((request, modify) => modify(request), base);
}

export const named =
  (name: string, commonName = name): Modifier =>
  (r) => ({ ...r, name, commonName, sans: { ...r.sans, dns: [commonName] } });
export const withSans =
  (sans: Partial<SubjectAltNames>): Modifier =>
  (r) => ({ ...r, sans: { dns: [], ip: [], email: [], uri: [], ...sans } });
export const withKey =
  (keyAlgorithm: KeyAlgorithm): Modifier =>
  (r) => ({ ...r, keyAlgorithm });
export const lasting =
  (lifetimeMs: number): Modifier =>
  (r) => ({ ...r, lifetimeMs });
export const keeping =
  (existingKeyPem: string): Modifier =>
  (r) => ({ ...r, existingKeyPem });

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

/** A Logger that keeps every line, at every level. */
export function recordingLogger(): Logger & { records: LogRecord[]; text(): string } {
  const records: LogRecord[] = [];
  const at = (level: LogRecord['level']) => (message: string, fields?: LogFields) => {
    records.push({ level, message, fields });
  };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => records.map((r) => `${r.level} ${r.message} ${JSON.stringify(r.fields ?? {})}`).join('\n'),
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `certloop-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
