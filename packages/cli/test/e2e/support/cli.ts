/** The CLI as an operator runs it (the shipped artifact, see support/run.ts) against one manifest, state directory and step-ca. */
import type { Action } from '@certloop/core';
import type { Plan, ReconcileReport } from '@certloop/reconciler';
import { type CliResult, runCli } from '../../support/run.js';
import { issuerFlags, type StepCaHandle } from './ca.js';
import type { Workspace } from './workspace.js';

export interface Certloop {
  readonly manifest: string;
  /** The arguments every command of this installation shares. */
  readonly common: readonly string[];
  /** `certloop reconcile --once ...`. */
  reconcile(...extra: string[]): Promise<CliResult>;
  /** `certloop reconcile --once --json ...`, parsed. */
  reconcileJson(...extra: string[]): Promise<CliResult & { report: ReconcileReport }>;
  /** `certloop plan ...`. */
  plan(...extra: string[]): Promise<CliResult>;
  /** `certloop plan --json`, parsed. */
  planJson(...extra: string[]): Promise<Plan>;
  /** `certloop ARGS`, any command. */
  exec(args: readonly string[]): Promise<CliResult>;
}

export function certloop(ws: Workspace, ca: StepCaHandle, manifest: string): Certloop {
  const common = ['-f', manifest, '--state-dir', ws.stateDir, ...issuerFlags(ca), '--log-level', 'warn'];
  const run = (args: readonly string[]) => runCli(args);
  return {
    manifest,
    common,
    reconcile: (...extra) => run(['reconcile', '--once', ...common, ...extra]),
    async reconcileJson(...extra) {
      const result = await run(['reconcile', '--once', '--json', ...common, ...extra]);
      try {
        return { ...result, report: JSON.parse(result.stdout) as ReconcileReport };
      } catch {
        throw new Error(
          `reconcile --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
        );
      }
    },
    plan: (...extra) => run(['plan', ...common, ...extra]),
    async planJson(...extra) {
      const result = await run(['plan', '--json', ...common, ...extra]);
      if (result.code !== 0) throw new Error(`plan --json exited ${result.code}:\n${result.stderr}`);
      return JSON.parse(result.stdout) as Plan;
    },
    exec: (args) => runCli(args),
  };
}

/** Plan entries that are not `none`, as name → action. */
export function changes(plan: Plan): Record<string, Action> {
  return Object.fromEntries(plan.entries.filter((e) => e.action !== 'none').map((e) => [e.name, e.action]));
}

/** Reason codes of one plan entry. */
export function reasonCodes(plan: Plan, name: string): string[] {
  return (plan.entries.find((e) => e.name === name)?.reasons ?? []).map((r) => r.code);
}
