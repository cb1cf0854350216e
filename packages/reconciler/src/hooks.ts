/**
 * Which post-renewal hooks a pass runs, and their environment. Each distinct
 * command runs once per pass, after every write, for all the certificates
 * that need it. Variable names match @certloop/actuators' hook runner:
 * CERTLOOP_NAME, CERTLOOP_NAMES (newline-separated), CERTLOOP_COMMON_NAME,
 * CERTLOOP_CERT_PATH, CERTLOOP_KEY_PATH, CERTLOOP_SERIAL, CERTLOOP_NOT_AFTER,
 * CERTLOOP_ACTION, CERTLOOP_REASON (comma-separated codes). When certificates
 * share a command, only variables with one value for all of them are kept.
 */
import type { Action, DesiredCertificate, ReasonCode } from '@certloop/core';
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

export function hookEnvironment(trigger: HookTrigger): Record<string, string> {
  const { certificate } = trigger;
  const env: Record<string, string> = {
    CERTLOOP_NAME: certificate.name,
    CERTLOOP_NAMES: certificate.name,
    CERTLOOP_COMMON_NAME: certificate.spec.commonName,
    CERTLOOP_ACTION: trigger.action,
    CERTLOOP_REASON: trigger.reasons.join(','),
  };
  if (certificate.files.cert !== undefined) env.CERTLOOP_CERT_PATH = certificate.files.cert;
  if (certificate.files.key !== undefined) env.CERTLOOP_KEY_PATH = certificate.files.key;
  if (trigger.serial !== undefined) env.CERTLOOP_SERIAL = trigger.serial;
  if (trigger.notAfter !== undefined) env.CERTLOOP_NOT_AFTER = trigger.notAfter;
  return env;
}

function mergeEnvironments(
  envs: readonly Record<string, string>[],
  names: readonly string[],
): Record<string, string> {
  const [first, ...rest] = envs;
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(first ?? {})) {
    if (rest.every((env) => env[key] === value)) merged[key] = value;
  }
  merged.CERTLOOP_NAMES = names.join('\n');
  return merged;
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
        env: mergeEnvironments(group.triggers.map(hookEnvironment), names),
      },
    };
  });
}
