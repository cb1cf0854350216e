import { mergeEnvironments } from '@certloop/core';
import { type HookResult, type HookRun, type RunHookOptions, runHook } from './run-hook.js';

/**
 * Runs each distinct command once, one after the other, in the order of its
 * first appearance (the caller passes certificates sorted by name, so the
 * order is stable). Certificates sharing a command are merged: CERTLOOP_NAMES
 * lists all of them, variables that differ between them are left out, and the
 * longest timeout applies. One result per distinct command, in run order.
 */
export async function runHooksOnce(
  runs: readonly HookRun[],
  options: RunHookOptions = {},
): Promise<HookResult[]> {
  const results: HookResult[] = [];
  for (const run of groupByCommand(runs)) results.push(await runHook(run, options));
  return results;
}

export function groupByCommand(runs: readonly HookRun[]): HookRun[] {
  const groups = new Map<string, HookRun[]>();
  for (const run of runs) {
    const group = groups.get(run.command);
    if (group) group.push(run);
    else groups.set(run.command, [run]);
  }
  return [...groups.values()].map((group) => ({
    command: group[0]!.command,
    timeoutMs: Math.max(...group.map((run) => run.timeoutMs)),
    env: group.length === 1 ? { ...group[0]!.env } : mergeEnvironments(group.map((run) => run.env)),
  }));
}
