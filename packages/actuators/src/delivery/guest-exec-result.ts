/**
 * `qm guest exec` exits 0 even when the command inside the VM failed: the
 * guest's exit code is in the JSON it prints
 * (`{"exitcode": N, "exited": 1, "out-data": "...", "err-data": "..."}`).
 * Both certloop's own calls and hooks that run `qm guest exec` read it here.
 */

export interface GuestExecResult {
  /** The command's exit code inside the guest; null when it did not exit (still running, killed). */
  readonly exitCode: number | null;
  readonly outData: string;
  readonly errData: string;
}

/** The JSON object qm printed, when the output holds one with an exit status; undefined otherwise. */
export function parseGuestExecResult(output: string): GuestExecResult | undefined {
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(output.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (!('exitcode' in record) && !('exited' in record)) return undefined;
  const exited = record.exited === undefined || record.exited === 1 || record.exited === true;
  const code = record.exitcode;
  return {
    exitCode: exited && typeof code === 'number' && Number.isInteger(code) ? code : null,
    outData: typeof record['out-data'] === 'string' ? record['out-data'] : '',
    errData: typeof record['err-data'] === 'string' ? record['err-data'] : '',
  };
}

/** Whether a hook command runs `qm guest exec` itself (then its printed JSON carries the real exit code). */
export function isGuestExecCommand(command: string): boolean {
  return /^\s*(\S*\/)?qm\s+guest\s+exec\b/.test(command);
}
