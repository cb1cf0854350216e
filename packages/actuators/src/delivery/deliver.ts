/**
 * Delivers a certificate's files into one Proxmox guest, one file at a time,
 * the key first and the certificate last (as the writer commits them): a hook
 * that waits for the certificate finds its key already there.
 */
import type { GuestType } from '@certloop/core';
import { type GuestState, guestState } from './guest-status.js';
import { type GuestFile, pushToContainer } from './push-to-container.js';
import { type CommandRunner, runCommand } from './run-command.js';
import { sendToVm } from './send-to-vm.js';

export interface GuestTarget {
  readonly guestType: GuestType;
  readonly guestId: number;
}

export interface GuestDeliveryOptions {
  /** Replaced in tests; the real one spawns pct/qm from PATH. */
  readonly run?: CommandRunner;
  /** Per call to pct/qm; 60 s by default (the guest agent can be slow to answer). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function guestStateOf(target: GuestTarget, options: GuestDeliveryOptions = {}): Promise<GuestState> {
  return guestState(
    target.guestType,
    target.guestId,
    options.run ?? runCommand,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
}

/** Sends each file in the order given; the first failure stops (the caller keeps the delivery pending). */
export async function deliverToGuest(
  target: GuestTarget,
  files: readonly GuestFile[],
  options: GuestDeliveryOptions = {},
): Promise<void> {
  const run = options.run ?? runCommand;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  for (const file of files) {
    if (target.guestType === 'lxc') await pushToContainer(target.guestId, file, run, timeoutMs);
    else await sendToVm(target.guestId, file, run, timeoutMs);
  }
}
