import { coalescedBy } from '../../src/files/directories.js';

/** A fake fsync that records when each call starts and finishes only when told to. */
function controlledSync() {
  const started: { directory: string; finish: (error?: Error) => void }[] = [];
  const sync = (directory: string) =>
    new Promise<void>((resolve, reject) => {
      started.push({ directory, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { started, sync };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced directory fsync', () => {
  it('starts one fsync at once and lets every caller that arrives meanwhile share the next one', async () => {
    const { started, sync } = controlledSync();
    const fsyncDirectory = coalescedBy(sync);
    const done: string[] = [];
    const first = fsyncDirectory('/d').then(() => done.push('first'));
    // Both arrive while the first fsync runs: their renames may be after it started.
    const second = fsyncDirectory('/d').then(() => done.push('second'));
    const third = fsyncDirectory('/d').then(() => done.push('third'));
    await settled();
    expect(started).toHaveLength(1);

    started[0]!.finish();
    await first;
    await settled();
    // The first fsync is not enough for the later callers: a new one started after them.
    expect(done).toEqual(['first']);
    expect(started).toHaveLength(2);

    started[1]!.finish();
    await Promise.all([second, third]);
    expect(done).toEqual(['first', 'second', 'third']);
    expect(started).toHaveLength(2);
  });

  it('keeps directories apart and starts afresh once a directory is idle', async () => {
    const { started, sync } = controlledSync();
    const fsyncDirectory = coalescedBy(sync);
    const a = fsyncDirectory('/a');
    const b = fsyncDirectory('/b');
    expect(started.map((s) => s.directory)).toEqual(['/a', '/b']);
    started[0]!.finish();
    started[1]!.finish();
    await Promise.all([a, b]);
    await settled();

    const again = fsyncDirectory('/a');
    expect(started).toHaveLength(3);
    started[2]!.finish();
    await again;
  });

  it('gives the failure to the caller whose fsync failed and a fresh attempt to those waiting', async () => {
    const { started, sync } = controlledSync();
    const fsyncDirectory = coalescedBy(sync);
    const first = fsyncDirectory('/d');
    const waiting = fsyncDirectory('/d');
    started[0]!.finish(new Error('EIO'));
    await expect(first).rejects.toThrow('EIO');
    await settled();
    expect(started).toHaveLength(2);
    started[1]!.finish();
    await expect(waiting).resolves.toBeUndefined();
  });
});
