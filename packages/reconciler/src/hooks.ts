/**
 * Which post-renewal hooks a pass runs, and their environment (see core's
 * hook-environment.ts). Each distinct command runs once per pass, after every
 * write, for all the certificates that need it.
 */
import {
  type Action,
  type DesiredCertificate,
  hookEnvironment,
  mergeEnvironments,
  omitUndefined,
  type ReasonCode,
} from '@certloop/core';
import type { HookRun } from './ports.js';

export interface HookTrigger {
  readonly certificate: DesiredCertificate;
  /** The commands this certificate needs run (its hooks after a write, or its pending ones). */
  readonly commands: readonly string[];
  readonly action: Action;
  readonly reasons: readonly ReasonCode[];
  readonly serial?: string;
  readonly notAfter?: string;
}

/** The environment of one certificate's hook run (variables documented in core's hook-environment.ts). */
export function environmentOf(trigger: HookTrigger): Record<string, string> {
  return hookEnvironment(
    trigger.certificate,
    omitUndefined({
      action: trigger.action,
      reasons: trigger.reasons,
      serial: trigger.serial,
      notAfter: trigger.notAfter,
    }),
  );
}

export interface HookReport {
  readonly command: string;
  /** Certificates the run was for. */
  readonly names: readonly string[];
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string;
}

export interface PlannedHookRun {
  readonly run: HookRun;
  /** Certificates this run speaks for, in trigger order. */
  readonly names: readonly string[];
}

/** One run per distinct command, in order of first appearance; the longest timeout applies. */
export function planHookRuns(triggers: readonly HookTrigger[]): PlannedHookRun[] {
  const groups = new Map<string, { triggers: HookTrigger[]; timeoutMs: number }>();
  for (const trigger of triggers) {
    for (const command of new Set(trigger.commands)) {
      const declared = trigger.certificate.hooks.find((h) => h.command === command);
      const timeoutMs = declared?.timeoutMs ?? 0;
      const group = groups.get(command);
      if (group === undefined) groups.set(command, { triggers: [trigger], timeoutMs });
      else {
        group.triggers.push(trigger);
        group.timeoutMs = Math.max(group.timeoutMs, timeoutMs);
      }
    }
  }
  return [...groups.entries()].map(([command, group]) => {
    const names = group.triggers.map((t) => t.certificate.name);
    return {
      names,
      run: {
        command,
        timeoutMs: group.timeoutMs,
        env: mergeEnvironments(group.triggers.map(environmentOf)),
      },
    };
  });
}
