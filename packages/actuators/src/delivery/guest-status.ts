/**
 * Whether a guest runs, asked before anything is sent to it:
 * `pct status <ctid>` / `qm status <vmid>` print `status: running` or
 * `status: stopped` and exit 0; an unknown id exits non-zero.
 */
import { DeliveryError, type GuestType } from '@certloop/core';
import type { CommandRunner } from './run-command.js';

export type GuestState = 'running' | 'stopped';

export const TOOL_OF_GUEST: Readonly<Record<GuestType, 'pct' | 'qm'>> = { lxc: 'pct', vm: 'qm' };

/** Resolves to the state; throws a DeliveryError when the guest cannot be asked (unknown id, no tool). */
export async function guestState(
  guestType: GuestType,
  guestId: number,
  run: CommandRunner,
  timeoutMs: number,
): Promise<GuestState> {
  const tool = TOOL_OF_GUEST[guestType];
  const result = await run([tool, 'status', String(guestId)], { timeoutMs });
  const label = `${guestType} ${guestId}`;
  if (result.startError !== undefined) {
    throw new DeliveryError(
      `Cannot ask whether ${label} runs: ${tool} could not be started (${result.startError}).`,
      {
        hint: `Run certloop on the Proxmox host, where ${tool} is on PATH.`,
      },
    );
  }
  if (result.exitCode !== 0) {
    const detail = (result.stderr || result.stdout).trim();
    throw new DeliveryError(
      `${tool} status ${guestId} failed${result.timedOut ? ' (timed out)' : ` with exit code ${result.exitCode}`}${detail ? `: ${detail}` : ''}.`,
      { hint: `Check that ${label} exists (guest_id and guest_type in the manifest).` },
    );
  }
  const match = /status:\s*(\S+)/.exec(result.stdout);
  return match?.[1] === 'running' ? 'running' : 'stopped';
}
