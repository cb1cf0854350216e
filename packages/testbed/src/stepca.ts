import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { appendFile, mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { forgetOwnedDir, trackChild, trackOwnedDir, waitForExit } from './children.js';
import { TestbedError } from './errors.js';
import { freePort, isHealthy } from './health.js';
import { stepCaBinary } from './paths.js';
import { changeProvisionerPassword, createPki, loadPki, type Pki, type PkiOptions } from './pki.js';

export interface StartStepCaOptions extends Omit<PkiOptions, 'port'> {
  /** Where the PKI lives. Reused as is when it already holds one; default a new temp dir. */
  dir?: string;
  /** Port on 127.0.0.1; default a free one (or the stored one when `dir` is reused). */
  port?: number;
  /** How long to wait for `/health`; default 30 s. */
  startupTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 5 s. */
  stopGraceMs?: number;
}

export interface StepCaHandle {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  rootPath: string;
  rootPem: string;
  intermediatePem: string;
  /** sha256 hex of the root DER, lower case. */
  fingerprint: string;
  provisioner: string;
  /** The provisioner key's kid (its JWK thumbprint). */
  provisionerKid: string;
  password: string;
  passwordFile: string;
  /** Client-side dir with config/defaults.json and certs/root_ca.crt, as `step ca bootstrap` writes. */
  stepPath: string;
  /** step-ca's ca.json. */
  configPath: string;
  /** step-ca's stdout and stderr, appended across restarts. */
  logPath: string;
  pid: number | undefined;
  /** SIGTERM by PID, SIGKILL after a grace period; idempotent. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same PKI (for outage tests); a no-op while running. */
  start(): Promise<void>;
  /** Re-encrypts the provisioner key under a new password, rewrites passwordFile, restarts if running. */
  setProvisionerPassword(newPassword: string): Promise<void>;
  /** stop(), then removes the dir when startStepCa created it as a temp dir. */
  dispose(): Promise<void>;
}

const LOG_TAIL_LINES = 30;

async function readTail(logPath: string, fromOffset: number): Promise<string> {
  try {
    const handle = await open(logPath, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.max(0, size - fromOffset);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, fromOffset);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '(no log output)';
  }
}

class StepCaServer implements StepCaHandle {
  private child: ChildProcess | undefined;
  private pki: Pki;

  constructor(
    pki: Pki,
    private readonly ownedDir: boolean,
    private readonly startupTimeoutMs: number,
    private readonly stopGraceMs: number,
  ) {
    this.pki = pki;
  }

  get url() {
    return this.pki.url;
  }
  get port() {
    return this.pki.port;
  }
  get dir() {
    return this.pki.dir;
  }
  get rootPath() {
    return this.pki.rootPath;
  }
  get rootPem() {
    return this.pki.rootPem;
  }
  get intermediatePem() {
    return this.pki.intermediatePem;
  }
  get fingerprint() {
    return this.pki.fingerprint;
  }
  get provisioner() {
    return this.pki.provisioner;
  }
  get provisionerKid() {
    return this.pki.provisionerKid;
  }
  get password() {
    return this.pki.password;
  }
  get passwordFile() {
    return this.pki.passwordFile;
  }
  get stepPath() {
    return this.pki.stepPath;
  }
  get configPath() {
    return this.pki.configPath;
  }
  get logPath() {
    return this.pki.logPath;
  }
  get pid() {
    return this.isRunning() ? this.child?.pid : undefined;
  }

  private isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    const binary = stepCaBinary();
    await appendFile(
      this.pki.logPath,
      `--- certloop testbed: starting step-ca at ${new Date().toISOString()}\n`,
    );
    const logOffset = (await stat(this.pki.logPath)).size;

    const logFd = openSync(this.pki.logPath, 'a');
    let child: ChildProcess;
    try {
      // STEPPATH keeps step-ca away from the user's ~/.step.
      child = spawn(binary, [this.pki.configPath], {
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, STEPPATH: this.pki.dir },
      });
    } finally {
      closeSync(logFd);
    }
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    trackChild(child);
    this.child = child;

    const deadline = Date.now() + this.startupTimeoutMs;
    for (;;) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) {
        const how = spawnError ? spawnError.message : `exited with ${child.exitCode ?? child.signalCode}`;
        throw await this.startupError(`step-ca ${how} before it was healthy`, logOffset, spawnError);
      }
      if (await isHealthy(this.pki.url, this.pki.rootPem)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw await this.startupError(
          `step-ca did not answer ${this.pki.url}/health within ${this.startupTimeoutMs}ms`,
          logOffset,
        );
      }
      await sleep(100);
    }
  }

  private async startupError(summary: string, logOffset: number, cause?: Error): Promise<TestbedError> {
    const tail = await readTail(this.pki.logPath, logOffset);
    return new TestbedError(`${summary}. Last lines of ${this.pki.logPath}:\n${tail}`, { cause });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning() || child.pid === undefined) return;
    process.kill(child.pid, 'SIGTERM');
    if (await waitForExit(child, this.stopGraceMs)) return;
    child.kill('SIGKILL');
    await waitForExit(child, this.stopGraceMs);
  }

  async setProvisionerPassword(newPassword: string): Promise<void> {
    this.pki = await changeProvisionerPassword(this.pki, newPassword);
    if (this.isRunning()) {
      await this.stop();
      await this.start();
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownedDir) {
      await rm(this.pki.dir, { recursive: true, force: true });
      forgetOwnedDir(this.pki.dir);
    }
  }
}

/**
 * Starts a real step-ca 0.19 on 127.0.0.1 with a throwaway PKI and waits
 * until `/health` answers over TLS verified against the new root.
 */
export async function startStepCa(options: StartStepCaOptions = {}): Promise<StepCaHandle> {
  stepCaBinary(); // fail before creating anything when step-ca is not built
  const ownedDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'certloop-stepca-')));
  if (ownedDir) trackOwnedDir(dir);

  const pki =
    (await loadPki(dir)) ??
    (await createPki(dir, {
      ...options,
      port: options.port ?? (await freePort()),
    }));
  const server = new StepCaServer(
    pki,
    ownedDir,
    options.startupTimeoutMs ?? 30_000,
    options.stopGraceMs ?? 5_000,
  );
  try {
    await server.start();
  } catch (error) {
    if (ownedDir) await server.dispose();
    throw error;
  }
  return server;
}
