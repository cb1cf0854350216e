export { deliverToGuest, type GuestDeliveryOptions, type GuestTarget, guestStateOf } from './deliver.js';
export { type GuestExecResult, isGuestExecCommand, parseGuestExecResult } from './guest-exec-result.js';
export type { GuestState } from './guest-status.js';
export type { GuestFile } from './push-to-container.js';
export { type CommandResult, type CommandRunner, runCommand } from './run-command.js';
export { GUEST_STDIN_LIMIT } from './send-to-vm.js';
