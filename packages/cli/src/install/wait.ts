/**
 * Read and check until the shared certificate is installable or the wait is
 * over. Every check failure is retried: a missing file, a pair caught between
 * two renames or an expired certificate may all be fixed by the next
 * reconcile. The clock and sleep are injected for tests.
 */
import { type ReadBytes, readSnapshot, type Snapshot } from './snapshot.js';
import type { SharedSource } from './source.js';
import { checkSnapshot, type Installable } from './verify.js';

export interface WaitOptions {
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly read?: ReadBytes;
  /** Called once per distinct reason, so a waiting consumer says why it waits. */
  readonly onWaiting?: (reason: string) => void;
}

export type WaitResult =
  | { readonly ok: true; readonly snapshot: Snapshot; readonly verdict: Installable }
  | { readonly ok: false; readonly reason: string };

const DEFAULT_POLL_MS = 500;

export async function waitForInstallable(source: SharedSource, options: WaitOptions): Promise<WaitResult> {
  const clock = options.clock ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const deadline = clock().getTime() + options.waitMs;
  let lastReason: string | undefined;
  for (;;) {
    const read = await readSnapshot(source, options.read);
    let reason: string;
    if (read.ok) {
      const verdict = await checkSnapshot(source, read.snapshot, clock());
      if (verdict.ok) return { ok: true, snapshot: read.snapshot, verdict };
      reason = verdict.reason;
    } else {
      reason = read.reason;
    }
    const left = deadline - clock().getTime();
    if (left <= 0) return { ok: false, reason };
    if (reason !== lastReason) options.onWaiting?.(reason);
    lastReason = reason;
    await sleep(Math.min(pollMs, left));
  }
}
