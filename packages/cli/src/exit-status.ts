/** Exit codes (no imports: main.ts loads this at start-up). exit-codes.ts maps errors to them. */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** `plan --detailed-exitcode` only: the plan has changes. */
  changes: 2,
  /** `status`: a certificate is not Ready (the same code as pending changes). */
  notReady: 2,
  invalid: 3,
} as const;
