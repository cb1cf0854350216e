/**
 * A real etcd (Debian's etcd-server) for the coordination tests: one member on
 * loopback, random free ports, a throwaway data directory. It can be paused
 * (SIGSTOP: it stops answering, as behind a partition) and resumed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestbedError } from './errors.js';
import { freePort } from './health.js';

export interface EtcdHandle {
  /** The client URL, http://127.0.0.1:PORT. */
  readonly url: string;
  /** Stops answering (SIGSTOP), as an etcd cut off by the network. */
  pause(): void;
  resume(): void;
  /** Kills it and removes its data. */
  dispose(): Promise<void>;
}

/** The etcd binary on PATH, or undefined: the tests that need it say they are skipped and why. */
export function etcdBinary(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

export async function startEtcd(): Promise<EtcdHandle> {
  const binary = etcdBinary();
  if (binary === undefined) throw new TestbedError('etcd is not installed: run `bash scripts/deps/etcd.sh`.');
  const dir = await mkdtemp(join(tmpdir(), 'certloop-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const child: ChildProcess = spawn(
    binary,
    [
      '--name',
      'certloop-test',
      '--data-dir',
      join(dir, 'data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `certloop-test=http://127.0.0.1:${peer}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await dispose();
      throw new TestbedError(`etcd did not become healthy at ${url}:\n${log}`);
    }
    await sleep(100);
  }
  return {
    url,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    dispose,
  };
}
