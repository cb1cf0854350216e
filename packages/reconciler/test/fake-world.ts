/**
 * A recording fake of everything reconcileOnce touches: an in-memory file
 * system, a CA that signs "certificates" whose PEM body is JSON, an observer
 * that reads them back, hooks, and the provenance/status stores. `actions`
 * lists exactly what was done, in order.
 */

import { createHash } from 'node:crypto';
import {
  type DesiredCertificate,
  type FileRole,
  type IssuedCertificate,
  type IssueRequest,
  joinPem,
  type KeyAlgorithm,
  type ObservedCertificate,
  type ObservedFile,
  type Provenance,
  type StatusDocument,
  type SubjectAltNames,
  silentLogger,
  splitPemBlocks,
  type TrustMaterial,
} from '@certloop/core';
import type { HookRun, ReconcilePorts } from '../src/ports.js';
import { NOW } from './builders.js';

interface FakeFile {
  content: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface FakeLeaf {
  commonName: string;
  sans: SubjectAltNames;
  keyAlgorithm: KeyAlgorithm;
  keyId: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  issuer: string;
  /** Absent: none (any use). */
  extendedKeyUsage?: string[];
}

const USERS: Record<string, number> = { root: 0, certs: 1000 };
const GROUPS: Record<string, number> = { root: 0, ssl: 1001 };

export function fakePem(label: string, body: unknown): string {
  const base64 = Buffer.from(JSON.stringify(body)).toString('base64');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** sha256 of the leaf's DER, as the real observers report it. */
function leafSha256(certificatePem: string): string {
  const leaf = splitPemBlocks(certificatePem)[0] ?? '';
  const base64 = leaf.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
}

function readPem<T>(text: string | undefined): T | undefined {
  const block = text === undefined ? undefined : splitPemBlocks(text)[0];
  if (block === undefined) return undefined;
  try {
    const base64 = block.split('\n').slice(1, -1).join('');
    return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export class FakeWorld {
  readonly files = new Map<string, FakeFile>();
  readonly actions: string[] = [];
  readonly hookEnvs: Record<string, string>[] = [];
  readonly issueRequests: IssueRequest[] = [];
  /** Certificates whose issued files were checked in memory, in order. */
  readonly inspected: string[] = [];
  readonly provenance = new Map<string, Provenance>();
  status: StatusDocument | undefined;
  statusWrites = 0;
  now = NOW;
  /** Lifetime the CA actually grants (a cap), when set. */
  lifetimeCapMs: number | undefined;
  readonly failIssuanceFor = new Map<string, Error>();
  /** Per name: what the CA puts in the certificate instead of what was asked (a provisioner template, a bug). */
  readonly alterIssued = new Map<string, Partial<FakeLeaf>>();
  readonly failingHooks = new Set<string>();
  /** Guests ("lxc/101") and whether they run; a guest not listed cannot be reached. */
  readonly guestStates = new Map<string, 'running' | 'stopped'>();
  /** Per guest: path inside it → content, as delivered. */
  readonly guestFiles = new Map<string, Map<string, string>>();
  trust: TrustMaterial = {
    rootsPem: fakePem('CERTIFICATE', { root: 'Test Root' }),
    intermediatesPem: fakePem('CERTIFICATE', { intermediate: 'Test Intermediate' }),
  };
  #serial = 0;
  #keys = 0;

  newActions(since: number): string[] {
    return this.actions.slice(since);
  }

  put(path: string, content: string, mode: number): void {
    this.files.set(path, { content, mode, uid: 0, gid: 0 });
  }

  ports(overrides: Partial<ReconcilePorts> = {}): ReconcilePorts {
    return {
      observe: async (certs, trust) => certs.map((c) => this.observe(c, trust)),
      inspect: async (cert, files, trust) => {
        this.inspected.push(cert.name);
        const pending = new Map(files.map((f) => [f.path, f.content]));
        return this.observeIn(cert, trust, (path) => {
          const content = pending.get(path);
          // Mode and owner are the writer's job: left out, as the real inspection does.
          return content === undefined ? undefined : { content };
        });
      },
      issuer: {
        id: 'fake-ca',
        trust: async () => this.trust,
        issue: async (request) => this.issue(request),
        close: async () => {},
      },
      writeFiles: async (files) => {
        const written: string[] = [];
        const unchanged: string[] = [];
        for (const file of files) {
          const before = this.files.get(file.path);
          const uid = file.owner === undefined ? 0 : USERS[file.owner]!;
          const gid = file.group === undefined ? 0 : GROUPS[file.group]!;
          if (
            before?.content === file.content &&
            before.mode === file.mode &&
            before.uid === uid &&
            before.gid === gid
          ) {
            unchanged.push(file.path);
            continue;
          }
          this.files.set(file.path, { content: file.content, mode: file.mode, uid, gid });
          this.actions.push(`write ${file.path}`);
          written.push(file.path);
        }
        return { written, unchanged };
      },
      fixPlacement: async (path, placement) => {
        const file = this.files.get(path);
        if (file === undefined) throw new Error(`ENOENT ${path}`);
        this.actions.push(`fix ${path}`);
        file.mode = placement.mode;
        if (placement.owner !== undefined) file.uid = USERS[placement.owner]!;
        if (placement.group !== undefined) file.gid = GROUPS[placement.group]!;
        return true;
      },
      runHooks: async (runs: readonly HookRun[]) =>
        runs.map((run) => {
          this.actions.push(`hook ${run.command}`);
          this.hookEnvs.push(run.env);
          const fails = this.failingHooks.has(run.command);
          return {
            command: run.command,
            exitCode: fails ? 1 : 0,
            timedOut: false,
            output: fails ? 'failed' : '',
          };
        }),
      guests: {
        state: async (target) => {
          const key = `${target.guestType}/${target.guestId}`;
          this.actions.push(`status ${key}`);
          const state = this.guestStates.get(key);
          if (state === undefined) throw new Error(`${key} does not exist`);
          return state;
        },
        deliver: async (target, files) => {
          const key = `${target.guestType}/${target.guestId}`;
          const guest = this.guestFiles.get(key) ?? new Map<string, string>();
          this.guestFiles.set(key, guest);
          for (const file of files) {
            this.actions.push(`deliver ${key} ${file.path}`);
            guest.set(file.path, file.content);
          }
        },
      },
      provenance: {
        readAll: async () => new Map(this.provenance),
        write: async (p) => {
          this.provenance.set(p.name, p);
          return true;
        },
        remove: async (name) => {
          this.actions.push(`forget ${name}`);
          this.provenance.delete(name);
        },
      },
      status: {
        read: async () => this.status,
        write: async (doc) => {
          this.status = JSON.parse(JSON.stringify(doc)) as StatusDocument;
          this.statusWrites += 1;
          return true;
        },
      },
      removeFiles: async (paths) => {
        for (const path of paths) {
          this.actions.push(`remove ${path}`);
          this.files.delete(path);
        }
      },
      readKey: async (path) => this.files.get(path)?.content,
      readCertificate: async (path) => this.files.get(path)?.content,
      resolveIds: async (owner, group) => ({
        ...(owner === undefined ? {} : { uid: USERS[owner] }),
        ...(group === undefined ? {} : { gid: GROUPS[group] }),
      }),
      clock: () => this.now,
      logger: silentLogger,
      ...overrides,
    };
  }

  issue(request: IssueRequest): IssuedCertificate {
    this.issueRequests.push(request);
    const failure = this.failIssuanceFor.get(request.name);
    if (failure !== undefined) {
      this.actions.push(`issue ${request.name} (failed)`);
      throw failure;
    }
    this.actions.push(`issue ${request.name}`);
    const existing = readPem<{ id: string; keyAlgorithm: KeyAlgorithm }>(request.existingKeyPem);
    const key = existing ?? { id: `key-${++this.#keys}`, keyAlgorithm: request.keyAlgorithm };
    const serial = `serial-${++this.#serial}`;
    const notBefore = new Date(this.now.getTime() - 60_000);
    const lifetime = Math.min(request.lifetimeMs, this.lifetimeCapMs ?? Number.POSITIVE_INFINITY);
    const leaf: FakeLeaf = {
      commonName: request.commonName,
      sans: request.sans,
      keyAlgorithm: request.keyAlgorithm,
      keyId: key.id,
      serial,
      notBefore: notBefore.toISOString(),
      notAfter: new Date(notBefore.getTime() + lifetime).toISOString(),
      issuer: 'CN=Test Intermediate',
      ...this.alterIssued.get(request.name),
    };
    return {
      certificatePem: fakePem('CERTIFICATE', leaf),
      chainPem: this.trust.intermediatesPem,
      caBundlePem: this.trust.rootsPem,
      keyPem: fakePem('PRIVATE KEY', key),
      serial,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
    };
  }

  observe(cert: DesiredCertificate, trust: TrustMaterial | undefined): ObservedCertificate {
    return this.observeIn(cert, trust, (path) => this.files.get(path));
  }

  private observeIn(
    cert: DesiredCertificate,
    trust: TrustMaterial | undefined,
    fileAt: (path: string) => Partial<FakeFile> | undefined,
  ): ObservedCertificate {
    const files: Partial<Record<FileRole, ObservedFile>> = {};
    for (const [role, path] of Object.entries(cert.files) as [FileRole, string][]) {
      const file = fileAt(path);
      files[role] =
        file === undefined
          ? { path, exists: false, readable: false }
          : { path, exists: true, readable: true, mode: file.mode, uid: file.uid, gid: file.gid };
    }
    const certText = cert.files.cert === undefined ? undefined : fileAt(cert.files.cert)?.content;
    const leaf = readPem<FakeLeaf>(certText);
    const key = readPem<{ id: string; keyAlgorithm: KeyAlgorithm }>(
      cert.files.key === undefined ? undefined : fileAt(cert.files.key)?.content,
    );
    const chainFilesCurrent: Partial<Record<'chain' | 'fullchain' | 'caBundle', boolean>> = {};
    if (trust !== undefined) {
      const want = {
        chain: joinPem(trust.intermediatesPem),
        fullchain: joinPem(certText ?? '', trust.intermediatesPem),
        caBundle: joinPem(trust.rootsPem),
      };
      for (const role of ['chain', 'fullchain', 'caBundle'] as const) {
        const path = cert.files[role];
        const file = path === undefined ? undefined : fileAt(path);
        if (file !== undefined) chainFilesCurrent[role] = file.content === want[role];
      }
    }
    return {
      name: cert.name,
      files,
      ...(leaf === undefined || certText === undefined
        ? {}
        : {
            certificate: {
              commonName: leaf.commonName,
              sans: leaf.sans,
              serial: leaf.serial,
              notBefore: leaf.notBefore,
              notAfter: leaf.notAfter,
              keyAlgorithm: leaf.keyAlgorithm,
              issuer: leaf.issuer,
              subject: `CN=${leaf.commonName}`,
              selfSigned: false,
              chainVerifies: trust === undefined ? undefined : true,
              keyUsage: [],
              extendedKeyUsage: leaf.extendedKeyUsage ?? [],
              publicKeySha256: leaf.keyId,
              sha256: leafSha256(certText),
            },
          }),
      ...(key === undefined ? {} : { key: { keyAlgorithm: key.keyAlgorithm, publicKeySha256: key.id } }),
      ...(leaf !== undefined && key !== undefined ? { keyMatchesCertificate: leaf.keyId === key.id } : {}),
      chainFilesCurrent,
    };
  }

  /** Moves the clock. */
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}
