/** Bounded polling: wait for a condition instead of sleeping a guessed time. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(intervalMs);
  }
}

/**
 * Runs `check` over and over while `work` is in flight (reads interleave with
 * the CLI's file writes) and returns the problems it reported.
 */
export async function checkWhile(work: Promise<unknown>, check: () => string | undefined): Promise<string[]> {
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  const problems: string[] = [];
  while (!done) {
    const problem = check();
    if (problem !== undefined) problems.push(problem);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await finished;
  return problems;
}
