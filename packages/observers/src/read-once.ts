/**
 * One file opened (non-blocking, so a FIFO cannot hang us), fstat'ed, read
 * and closed. The steps are written once (readSteps) and run two ways:
 * - readOnce: fs callbacks settled as one promise (FileHandle promises cost
 *   ~30 µs of CPU per operation, which matters at 10,000 files). Reads
 *   overlap, which hides a network file system's latency.
 * - readOnceSync: the same syscalls on this thread, ~4x cheaper in CPU than
 *   four thread-pool round trips, for file systems known to be local
 *   (file-systems.ts decides).
 */
import {
  close,
  closeSync,
  constants,
  fstat,
  fstatSync,
  open,
  openSync,
  read,
  readSync,
  type Stats,
  stat,
  statSync,
} from 'node:fs';

export type ReadOutcome =
  | { readonly stage: 'open' | 'stat'; readonly error: NodeJS.ErrnoException }
  | { readonly stage: 'skipped'; readonly stats: Stats }
  | { readonly stage: 'read'; readonly stats: Stats; readonly error: NodeJS.ErrnoException }
  | {
      readonly stage: 'done';
      readonly stats: Stats;
      readonly content: Buffer;
      /** fstat after the read (only when asked for); undefined if it failed. */
      readonly after: Stats | undefined;
    };

export interface ReadOptions {
  /** Decides from the fstat whether to read at all (true: read). */
  readonly shouldRead: (stats: Stats) => boolean;
  /** fstat again after reading, to tell whether the file changed meanwhile. */
  readonly statAfter: boolean;
}

/** How files are read: both ways give the same outcomes and throw the same errors. */
export interface FileAccess {
  readonly readOnce: (path: string, options: ReadOptions) => ReadOutcome | Promise<ReadOutcome>;
  /** stat(2), following links; throws (or rejects) with the errno error. */
  readonly stat: (path: string) => Stats | Promise<Stats>;
}

export function statPath(path: string): Promise<Stats> {
  return new Promise((resolve, reject) =>
    stat(path, (error, stats) => (error ? reject(error) : resolve(stats))),
  );
}

/** One syscall for readSteps to run; its result (or errno error) is sent back. */
type Step =
  | { readonly op: 'open'; readonly path: string } // -> fd
  | { readonly op: 'fstat'; readonly fd: number } // -> Stats
  | { readonly op: 'read'; readonly fd: number; readonly buffer: Buffer; readonly position: number } // -> bytes read
  | { readonly op: 'close'; readonly fd: number };

type Steps<T> = Generator<Step, T, unknown>;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function asErrno(error: unknown): NodeJS.ErrnoException {
  return error instanceof Error ? error : new Error(String(error));
}

/** The one sequence of syscalls both readers run; never throws. */
function* readSteps(path: string, options: ReadOptions): Steps<ReadOutcome> {
  let fd: number;
  try {
    fd = (yield { op: 'open', path }) as number;
  } catch (error) {
    return { stage: 'open', error: asErrno(error) };
  }
  try {
    let stats: Stats;
    try {
      stats = (yield { op: 'fstat', fd }) as Stats;
    } catch (error) {
      return { stage: 'stat', error: asErrno(error) };
    }
    if (!options.shouldRead(stats)) return { stage: 'skipped', stats };
    let content: Buffer;
    try {
      content = yield* readAll(fd, stats.size);
    } catch (error) {
      return { stage: 'read', stats, error: asErrno(error) };
    }
    if (!options.statAfter) return { stage: 'done', stats, content, after: undefined };
    let after: Stats | undefined;
    try {
      after = (yield { op: 'fstat', fd }) as Stats;
    } catch {
      after = undefined;
    }
    return { stage: 'done', stats, content, after };
  } finally {
    try {
      yield { op: 'close', fd };
    } catch {
      // Nothing was written: a failed close loses nothing.
    }
  }
}

/** The whole file in one read call when its size is as stat'ed; more calls only if it grew. */
function* readAll(fd: number, size: number): Steps<Buffer> {
  const chunks: Buffer[] = [];
  let position = 0;
  let length = size + 1;
  for (;;) {
    const buffer = Buffer.allocUnsafe(length);
    const bytesRead = (yield { op: 'read', fd, buffer, position }) as number;
    chunks.push(buffer.subarray(0, bytesRead));
    position += bytesRead;
    if (bytesRead < length) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    length = 64 * 1024;
  }
}

function runStep(step: Step, done: (error: NodeJS.ErrnoException | null, result?: unknown) => void): void {
  switch (step.op) {
    case 'open':
      open(step.path, OPEN_FLAGS, done);
      return;
    case 'fstat':
      fstat(step.fd, done);
      return;
    case 'read':
      read(step.fd, step.buffer, 0, step.buffer.length, step.position, done);
      return;
    case 'close':
      close(step.fd, done);
      return;
  }
}

function runStepSync(step: Step): unknown {
  switch (step.op) {
    case 'open':
      return openSync(step.path, OPEN_FLAGS);
    case 'fstat':
      return fstatSync(step.fd);
    case 'read':
      return readSync(step.fd, step.buffer, 0, step.buffer.length, step.position);
    case 'close':
      return closeSync(step.fd);
  }
}

/** Reads through libuv's thread pool; never rejects. */
export function readOnce(path: string, options: ReadOptions): Promise<ReadOutcome> {
  const steps = readSteps(path, options);
  return new Promise((resolve, reject) => {
    const advance = (error: NodeJS.ErrnoException | null, result?: unknown): void => {
      try {
        const next = error ? steps.throw(error) : steps.next(result);
        if (next.done) resolve(next.value);
        else runStep(next.value, advance);
      } catch (unexpected) {
        reject(unexpected);
      }
    };
    advance(null);
  });
}

/** Reads on this thread (local file systems only); never throws. */
export function readOnceSync(path: string, options: ReadOptions): ReadOutcome {
  const steps = readSteps(path, options);
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = runStepSync(next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

export const ASYNC_ACCESS: FileAccess = { readOnce, stat: statPath };

export const SYNC_ACCESS: FileAccess = { readOnce: readOnceSync, stat: (path) => statSync(path) };
