/**
 * zod loaded on first use, not at import time: importing it costs about as
 * much as the rest of a one-certificate `plan`, and a legacy manifest whose
 * entries have the plain expected shape never needs it. A synchronous require
 * (zod ships CommonJS too) keeps manifest parsing synchronous.
 */
import { createRequire } from 'node:module';
import type * as Zod from 'zod';

export type ZodModule = typeof Zod;

let loaded: ZodModule | undefined;

export function zod(): ZodModule {
  loaded ??= createRequire(import.meta.url)('zod') as ZodModule;
  return loaded;
}
