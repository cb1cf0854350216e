/**
 * A keyed work queue on top of p-queue (controller-runtime's workqueue
 * semantics). p-queue bounds the concurrency; this class adds the keys:
 *
 * - a name waiting to run is queued once, however often it is added;
 * - a name never runs twice at once;
 * - a name added while it runs runs once more after it finishes (the event
 *   may have come after the worker read the state);
 * - `add(name, { delayMs })` enqueues later; per name the earliest pending
 *   delay wins, and an immediate add leaves it in place (a run now does not
 *   replace a renewal scheduled for later);
 * - `close()` stops taking work, drops what waits, lets in-flight work finish.
 */
import PQueue from 'p-queue';

export type KeyedWorker = (name: string) => Promise<void>;

export interface KeyedQueueOptions {
  /** Names processed at once (p-queue's concurrency). Default 4. */
  readonly concurrency?: number;
  /** A worker's rejection: reported here, never unhandled. Re-adding (with backoff) is the caller's choice. */
  readonly onError?: (name: string, error: unknown) => void;
}

interface DelayedAdd {
  readonly dueAt: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class KeyedQueue {
  readonly #worker: KeyedWorker;
  readonly #queue: PQueue;
  readonly #onError: (name: string, error: unknown) => void;
  readonly #waiting = new Set<string>();
  readonly #running = new Set<string>();
  /** Added again while running: run once more when done. */
  readonly #dirty = new Set<string>();
  readonly #delayed = new Map<string, DelayedAdd>();
  #closed = false;

  constructor(worker: KeyedWorker, options: KeyedQueueOptions = {}) {
    this.#worker = worker;
    this.#queue = new PQueue({ concurrency: options.concurrency ?? 4 });
    this.#onError = options.onError ?? (() => {});
  }

  /** Enqueues `name` (now, or after `delayMs`). Returns false once the queue is closed. */
  add(name: string, options: { delayMs?: number } = {}): boolean {
    if (this.#closed) return false;
    const delayMs = options.delayMs ?? 0;
    if (delayMs > 0) {
      this.#addLater(name, delayMs);
      return true;
    }
    if (this.#waiting.has(name)) return true;
    if (this.#running.has(name)) {
      this.#dirty.add(name);
      return true;
    }
    this.#waiting.add(name);
    void this.#queue.add(() => this.#run(name));
    return true;
  }

  /** Names waiting to start (delayed adds not counted). */
  get size(): number {
    return this.#waiting.size;
  }

  /** Names running now. */
  get pending(): number {
    return this.#running.size;
  }

  /** Names with a delayed add not yet due. */
  get delayed(): number {
    return this.#delayed.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves when nothing waits or runs (re-runs of re-added names included).
   * Delayed adds that are not due yet do not count: a service's next renewal
   * may be weeks away.
   */
  async onIdle(): Promise<void> {
    while (this.#waiting.size > 0 || this.#running.size > 0) {
      await this.#queue.onIdle();
    }
  }

  /** Drops waiting names, re-runs and delayed adds; in-flight work continues. */
  clear(): void {
    this.#queue.clear();
    this.#waiting.clear();
    this.#dirty.clear();
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }

  /** Shutdown: take no new work, drop what waits, resolve when in-flight work has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    this.clear();
    await this.onIdle();
  }

  async #run(name: string): Promise<void> {
    this.#waiting.delete(name);
    this.#running.add(name);
    try {
      await this.#worker(name);
    } catch (error) {
      this.#onError(name, error);
    } finally {
      this.#running.delete(name);
      if (this.#dirty.delete(name)) this.add(name);
    }
  }

  #addLater(name: string, delayMs: number): void {
    const dueAt = Date.now() + delayMs;
    const existing = this.#delayed.get(name);
    if (existing !== undefined && existing.dueAt <= dueAt) return;
    if (existing !== undefined) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#delayed.delete(name);
      this.add(name);
    }, delayMs);
    // A pending renewal weeks away must not keep the process alive on its own.
    timer.unref?.();
    this.#delayed.set(name, { dueAt, timer });
  }
}
