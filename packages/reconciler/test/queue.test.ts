import { KeyedQueue } from '../src/queue.js';

/** A promise the test resolves by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A worker whose runs block until released, recording starts and peak concurrency. */
function controlledWorker() {
  const started: string[] = [];
  const gates: { name: string; release: () => void }[] = [];
  let running = 0;
  let peak = 0;
  const runningNames = new Set<string>();
  let overlapped = false;
  const worker = async (name: string) => {
    started.push(name);
    if (runningNames.has(name)) overlapped = true;
    runningNames.add(name);
    running += 1;
    peak = Math.max(peak, running);
    const gate = deferred();
    gates.push({ name, release: gate.resolve });
    await gate.promise;
    running -= 1;
    runningNames.delete(name);
  };
  const release = async (name: string) => {
    const index = gates.findIndex((g) => g.name === name);
    if (index < 0) throw new Error(`${name} is not running`);
    gates.splice(index, 1)[0]!.release();
    await flush();
  };
  return { worker, started, release, peak: () => peak, overlapped: () => overlapped };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('KeyedQueue', () => {
  it('runs a name added several times while waiting only once', async () => {
    const w = controlledWorker();
    const queue = new KeyedQueue(w.worker, { concurrency: 1 });
    queue.add('blocker');
    queue.add('web');
    queue.add('web');
    queue.add('web');
    await flush();
    await w.release('blocker');
    await w.release('web');
    await queue.onIdle();
    expect(w.started).toEqual(['blocker', 'web']);
  });

  it('never runs one name twice at once, and runs it again if re-added while in flight', async () => {
    const w = controlledWorker();
    const queue = new KeyedQueue(w.worker, { concurrency: 4 });
    queue.add('web');
    await flush();
    queue.add('web');
    queue.add('web');
    await flush();
    expect(w.started).toEqual(['web']);
    await w.release('web');
    expect(w.started).toEqual(['web', 'web']);
    await w.release('web');
    await queue.onIdle();
    expect(w.started).toEqual(['web', 'web']);
    expect(w.overlapped()).toBe(false);
  });

  it('bounds the number of names running at once', async () => {
    const w = controlledWorker();
    const queue = new KeyedQueue(w.worker, { concurrency: 2 });
    for (const name of ['a', 'b', 'c', 'd']) queue.add(name);
    await flush();
    expect(w.started).toEqual(['a', 'b']);
    await w.release('a');
    expect(w.started).toEqual(['a', 'b', 'c']);
    await w.release('b');
    await w.release('c');
    await w.release('d');
    await queue.onIdle();
    expect(w.peak()).toBe(2);
  });

  it('resolves onIdle only after re-runs of re-added names', async () => {
    const w = controlledWorker();
    const queue = new KeyedQueue(w.worker);
    queue.add('web');
    await flush();
    queue.add('web');
    let idle = false;
    const idlePromise = queue.onIdle().then(() => {
      idle = true;
    });
    await w.release('web');
    expect(idle).toBe(false);
    await w.release('web');
    await idlePromise;
    expect(idle).toBe(true);
  });

  it('reports a failing worker and keeps going with the other names', async () => {
    const failures: string[] = [];
    const done: string[] = [];
    const queue = new KeyedQueue(
      async (name) => {
        if (name === 'bad') throw new Error('boom');
        done.push(name);
      },
      { onError: (name, error) => failures.push(`${name}: ${(error as Error).message}`) },
    );
    queue.add('bad');
    queue.add('good');
    await queue.onIdle();
    expect(failures).toEqual(['bad: boom']);
    expect(done).toEqual(['good']);
  });

  describe('delayed adds', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('enqueues a delayed name only when its delay has passed', async () => {
      const started: string[] = [];
      const queue = new KeyedQueue(async (name) => {
        started.push(name);
      });
      queue.add('web', { delayMs: 60_000 });
      jest.advanceTimersByTime(59_999);
      await flush();
      expect(started).toEqual([]);
      expect(queue.delayed).toBe(1);
      jest.advanceTimersByTime(1);
      await flush();
      expect(started).toEqual(['web']);
    });

    it('keeps the earliest of two delays for one name and runs it once', async () => {
      const started: string[] = [];
      const queue = new KeyedQueue(async (name) => {
        started.push(name);
      });
      queue.add('web', { delayMs: 60_000 });
      queue.add('web', { delayMs: 10_000 });
      queue.add('web', { delayMs: 30_000 });
      jest.advanceTimersByTime(10_000);
      await flush();
      expect(started).toEqual(['web']);
      jest.advanceTimersByTime(60_000);
      await flush();
      expect(started).toEqual(['web']);
    });
  });

  describe('shutdown', () => {
    it('close() takes no new work, drops what waits and lets in-flight work finish', async () => {
      const w = controlledWorker();
      const queue = new KeyedQueue(w.worker, { concurrency: 1 });
      queue.add('a');
      queue.add('b');
      await flush();
      let closed = false;
      const closing = queue.close().then(() => {
        closed = true;
      });
      expect(queue.add('c')).toBe(false);
      await flush();
      expect(closed).toBe(false);
      await w.release('a');
      await closing;
      expect(closed).toBe(true);
      expect(w.started).toEqual(['a']);
    });

    it('close() drops a re-run requested while in flight', async () => {
      const w = controlledWorker();
      const queue = new KeyedQueue(w.worker);
      queue.add('a');
      await flush();
      queue.add('a');
      const closing = queue.close();
      await w.release('a');
      await closing;
      expect(w.started).toEqual(['a']);
    });

    it('clear() cancels delayed adds but the queue stays open', async () => {
      jest.useFakeTimers();
      try {
        const started: string[] = [];
        const queue = new KeyedQueue(async (name) => {
          started.push(name);
        });
        queue.add('later', { delayMs: 1_000 });
        queue.clear();
        jest.advanceTimersByTime(5_000);
        await flush();
        expect(started).toEqual([]);
        queue.add('now');
        await flush();
        expect(started).toEqual(['now']);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
