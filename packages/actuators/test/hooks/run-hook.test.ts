import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DesiredCertificate } from '@certloop/core';
import { hookEnvironment } from '@certloop/core';
import { hookSucceeded, runHook, runHooksOnce } from '../../src/hooks/index.js';
import { recordingLogger, useTempDir } from '../support/temp-dir.js';

/** A real executable that appends its arguments and CERTLOOP_* environment to `record`. */
async function recorderScript(dir: string, name: string, exitCode = 0): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `#!/bin/sh
{
  echo "run ${name} args=$*"
  env | grep '^CERTLOOP_' | sort
  echo "end"
} >> "${join(dir, 'record')}"
echo "out line 1"
echo "err line" >&2
exit ${exitCode}
`,
  );
  await chmod(path, 0o755);
  return path;
}

async function gone(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/stat`, 'utf8');
    return status.slice(status.lastIndexOf(')') + 2).startsWith('Z'); // a zombie has no life left
  } catch {
    return true;
  }
}

describe('runHook', () => {
  const dir = useTempDir('certloop-hooks-');

  it('runs the command with the variables added to the environment and captures its output', async () => {
    const script = await recorderScript(dir(), 'reload.sh');
    const logger = recordingLogger();
    const result = await runHook(
      {
        command: `${script} a b`,
        timeoutMs: 10_000,
        env: { CERTLOOP_NAME: 'web', CERTLOOP_SERIAL: 'abc123' },
      },
      { logger },
    );
    expect(result).toMatchObject({ exitCode: 0, signal: null, timedOut: false });
    expect(hookSucceeded(result)).toBe(true);
    expect(result.output).toContain('out line 1\n');
    expect(result.output).toContain('err line\n');
    const record = await readFile(join(dir(), 'record'), 'utf8');
    expect(record).toContain('run reload.sh args=a b\n');
    expect(record).toContain('CERTLOOP_NAME=web\n');
    expect(record).toContain('CERTLOOP_SERIAL=abc123\n');
    const lines = logger.entries.filter((e) => e.message === 'Hook output').map((e) => e.fields);
    expect(lines).toEqual(
      expect.arrayContaining([
        // Each line names the certificate it is about.
        { name: 'web', command: `${script} a b`, stream: 'stdout', line: 'out line 1' },
        { name: 'web', command: `${script} a b`, stream: 'stderr', line: 'err line' },
      ]),
    );
  });

  it('reports a non-zero exit code as a failed hook', async () => {
    const script = await recorderScript(dir(), 'fail.sh', 3);
    const result = await runHook({ command: script, timeoutMs: 10_000, env: {} });
    expect(result).toMatchObject({ exitCode: 3, timedOut: false });
    expect(hookSucceeded(result)).toBe(false);
    expect(result.output).toContain('err line');
  });

  it('never interpolates variables into the command', async () => {
    const marker = join(dir(), 'pwned');
    const result = await runHook({
      command: 'printf "%s" "$CERTLOOP_NAME"',
      timeoutMs: 10_000,
      env: { CERTLOOP_NAME: `$(touch ${marker}); \`touch ${marker}\`` },
    });
    expect(result.output).toBe(`$(touch ${marker}); \`touch ${marker}\``);
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('closes stdin, so a hook that reads it does not hang', async () => {
    const result = await runHook({ command: 'cat; echo done', timeoutMs: 20_000, env: {} });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, output: 'done\n' });
  });

  it('kills the whole process group on timeout, including a child that ignores SIGTERM', async () => {
    const pidFile = join(dir(), 'child.pid');
    // The child ignores SIGTERM, so only the SIGKILL escalation can stop it.
    const command = `sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 1000' &
      while [ ! -s ${pidFile} ]; do sleep 0.01; done
      echo ready
      sleep 1000`;
    const result = await runHook({ command, timeoutMs: 1_500, env: {} }, { killGraceMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(result.output).toBe('ready\n');
    expect(hookSucceeded(result)).toBe(false);
    const childPid = Number(await readFile(pidFile, 'utf8'));
    // Eventually gone: without the group kill it would sleep for 1000 s.
    for (let i = 0; i < 100 && !(await gone(childPid)); i++) await sleep(50);
    expect(await gone(childPid)).toBe(true);
  });

  it('keeps only the end of a long output', async () => {
    const result = await runHook(
      {
        command: 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done',
        timeoutMs: 10_000,
        env: {},
      },
      { maxOutputBytes: 100 },
    );
    expect(result.output).toMatch(/^\[\d+ bytes of earlier output omitted\]\n/);
    expect(result.output.endsWith('line 199\n')).toBe(true);
    expect(result.output.length).toBeLessThan(160);
  });
});

describe('runHooksOnce', () => {
  const dir = useTempDir('certloop-hooks-');

  it('runs each distinct command once, in order of first appearance, with the names that share it', async () => {
    const reload = await recorderScript(dir(), 'reload.sh');
    const other = await recorderScript(dir(), 'other.sh');
    const results = await runHooksOnce([
      {
        command: reload,
        timeoutMs: 10_000,
        env: { CERTLOOP_NAME: 'api', CERTLOOP_NAMES: 'api', CERTLOOP_ACTION: 'issue' },
      },
      { command: other, timeoutMs: 10_000, env: { CERTLOOP_NAME: 'db', CERTLOOP_NAMES: 'db' } },
      {
        command: reload,
        timeoutMs: 10_000,
        env: { CERTLOOP_NAME: 'web', CERTLOOP_NAMES: 'web', CERTLOOP_ACTION: 'issue' },
      },
    ]);
    expect(results.map((r) => [r.command, r.exitCode])).toEqual([
      [reload, 0],
      [other, 0],
    ]);
    const record = await readFile(join(dir(), 'record'), 'utf8');
    expect(record.match(/^run /gm)).toHaveLength(2);
    const reloadRun = record.slice(record.indexOf('run reload.sh'), record.indexOf('run other.sh'));
    // Shared values stay; per-certificate ones that differ are left out; NAMES lists both.
    expect(reloadRun).toBe('run reload.sh args=\nCERTLOOP_ACTION=issue\nCERTLOOP_NAMES=api web\nend\n');
  });
});

describe('hookEnvironment', () => {
  it('describes the certificate and the issuance in CERTLOOP_* variables', () => {
    const certificate = {
      name: 'web',
      spec: {
        commonName: 'web.example.com',
        sans: { dns: ['web.example.com', 'www.example.com'], ip: ['10.0.0.1'], email: [], uri: [] },
      },
      files: { cert: '/etc/ssl/web.crt', key: '/etc/ssl/web.key' },
    } as unknown as DesiredCertificate;
    expect(
      hookEnvironment(certificate, {
        action: 'reissue',
        reasons: ['renewal-due'],
        serial: 'abc',
        notAfter: '2030-01-01T00:00:00.000Z',
      }),
    ).toEqual({
      CERTLOOP_NAME: 'web',
      CERTLOOP_NAMES: 'web',
      CERTLOOP_COMMON_NAME: 'web.example.com',
      CERTLOOP_DNS_NAMES: 'web.example.com,www.example.com',
      CERTLOOP_IP_ADDRESSES: '10.0.0.1',
      CERTLOOP_CERT_PATH: '/etc/ssl/web.crt',
      CERTLOOP_KEY_PATH: '/etc/ssl/web.key',
      CERTLOOP_SERIAL: 'abc',
      CERTLOOP_NOT_AFTER: '2030-01-01T00:00:00.000Z',
      CERTLOOP_ACTION: 'reissue',
      CERTLOOP_REASON: 'renewal-due',
    });
  });

  it('gives the full chain as CERTLOOP_CERT_PATH when it is the only certificate file (legacy cert_path)', () => {
    const certificate = {
      name: 'legacy',
      spec: { commonName: 'legacy.example', sans: { dns: ['legacy.example'], ip: [], email: [], uri: [] } },
      files: { fullchain: '/srv/legacy.crt', key: '/srv/legacy.key' },
    } as unknown as DesiredCertificate;
    expect(hookEnvironment(certificate)).toMatchObject({
      CERTLOOP_CERT_PATH: '/srv/legacy.crt',
      CERTLOOP_FULLCHAIN_PATH: '/srv/legacy.crt',
      CERTLOOP_KEY_PATH: '/srv/legacy.key',
    });
  });
});
