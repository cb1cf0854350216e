/**
 * One file into a QEMU VM through its guest agent:
 * `qm guest exec <vmid> --pass-stdin 1 -- /bin/sh -c SCRIPT certloop-deliver DEST MODE`,
 * the content on standard input (the shell manager echoed keys in argv, where
 * the process list shows them). In the guest the file is created under umask
 * 077, so a key is never readable by others while it is written, then gets
 * its mode and is renamed into place.
 */
import { DeliveryError } from '@certloop/core';
import { parseGuestExecResult } from './guest-exec-result.js';
import { type GuestFile, octal } from './push-to-container.js';
import type { CommandRunner } from './run-command.js';

/** What the guest agent forwards on standard input at most. */
export const GUEST_STDIN_LIMIT = 1024 * 1024;

// $1: destination, $2: mode. The temp name is next to the destination, so the mv is a rename.
const WRITE_SCRIPT =
  'umask 077; t="$1.certloop.$$"; if cat > "$t" && chmod "$2" "$t" && mv -f "$t" "$1"; then exit 0; fi; rm -f "$t"; exit 1';

export async function sendToVm(
  vmid: number,
  file: GuestFile,
  run: CommandRunner,
  timeoutMs: number,
): Promise<void> {
  const content = Buffer.from(file.content, 'utf8');
  if (content.length > GUEST_STDIN_LIMIT) {
    throw new DeliveryError(
      `${file.path} is ${content.length} bytes; the guest agent forwards at most ${GUEST_STDIN_LIMIT} on standard input.`,
    );
  }
  const argv = [
    'qm',
    'guest',
    'exec',
    String(vmid),
    '--pass-stdin',
    '1',
    '--',
    '/bin/sh',
    '-c',
    WRITE_SCRIPT,
    'certloop-deliver',
    file.path,
    octal(file.mode),
  ];
  const result = await run(argv, { stdin: content, timeoutMs });
  if (result.exitCode !== 0) {
    const detail = result.startError ?? (result.stderr || result.stdout).trim();
    throw new DeliveryError(
      `qm guest exec ${vmid} (writing ${file.path}) failed${result.timedOut ? ' (timed out)' : ''}${detail ? `: ${detail}` : '.'}`,
      { hint: `Check that the QEMU guest agent runs in VM ${vmid}.` },
    );
  }
  const inGuest = parseGuestExecResult(result.stdout);
  if (inGuest === undefined || inGuest.exitCode !== 0) {
    // err-data comes from our own script, which never echoes the content.
    const detail = inGuest?.errData.trim() || 'no exit status reported';
    throw new DeliveryError(
      `Writing ${file.path} inside VM ${vmid} failed (exit code ${inGuest?.exitCode ?? 'unknown'}): ${detail}`,
    );
  }
}
