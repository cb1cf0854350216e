import { tmpdir } from 'node:os';
import { LocalFileSystems, type StatfsFunction } from '@certloop/core';
import { fileIoFor, inlineIo, threadPoolIo } from '../../src/files/file-io.js';

const NFS: StatfsFunction = (_path, callback) => callback(null, { type: 0x6969 });

describe('fileIoFor', () => {
  it('makes inline calls on a local file system', async () => {
    expect(await fileIoFor(tmpdir(), new LocalFileSystems())).toBe(inlineIo);
  });

  it('goes through the thread pool on NFS, where calls in flight hide the latency', async () => {
    expect(await fileIoFor(tmpdir(), new LocalFileSystems(NFS))).toBe(threadPoolIo);
  });

  it('reports a failing inline call as a rejected promise with the errno code, like the pool does', async () => {
    const missing = '/nonexistent-certloop-dir/x';
    const inline = await inlineIo.open(missing, 0, 0).catch((error: NodeJS.ErrnoException) => error.code);
    const pooled = await threadPoolIo.open(missing, 0, 0).catch((error: NodeJS.ErrnoException) => error.code);
    expect([inline, pooled]).toEqual(['ENOENT', 'ENOENT']);
  });
});
