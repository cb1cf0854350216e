export { type HookResult, type HookRun, hookSucceeded, type RunHookOptions, runHook } from './run-hook.js';
export { groupByCommand, runHooksOnce } from './run-once.js';
