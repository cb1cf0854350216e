/**
 * A layered parse: the whole value through its zod schema first, and when
 * that fails, each field of an object and each item of a list through its own
 * part of the same schema, keeping what passes. A wrong field then hides
 * nothing else: the rest of its certificate, and every other certificate,
 * still reach normalisation and the rules. The schema stays the only
 * description of the structure; the problems are those of the whole parse.
 */
import type { z } from 'zod';
import { zod } from './zod-module.js';

/** A schema's output where any field may be missing and any list item undefined (the parts that did not parse). */
export type Layered<T> = T extends readonly (infer Item)[]
  ? (Layered<Item> | undefined)[]
  : T extends object
    ? { [K in keyof T]?: Layered<T[K]> }
    : T;

export interface LayeredResult<T> {
  /** What parsed; undefined when not even the outermost layer has the right type. */
  data: Layered<T> | undefined;
  /** Every issue of the whole value, with its path. */
  issues: readonly z.core.$ZodIssue[];
}

export function parseLayered<S extends z.ZodType>(schema: S, value: unknown): LayeredResult<z.output<S>> {
  const whole = schema.safeParse(value, { reportInput: true });
  if (whole.success) return { data: whole.data as Layered<z.output<S>>, issues: [] };
  // Built from the schema's own parts, so it has the schema's output type where it is defined.
  return { data: salvage(schema, value) as Layered<z.output<S>> | undefined, issues: whole.error.issues };
}

/** The parts of `value` that pass their part of `schema` (the whole when it passes). */
function salvage(schema: z.ZodType, value: unknown): unknown {
  const whole = schema.safeParse(value);
  if (whole.success) return whole.data;
  const { ZodArray, ZodObject, ZodOptional } = zod();
  const inner = schema instanceof ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  if (inner instanceof ZodObject && isRecord(value)) {
    const parts: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      if (!Object.hasOwn(value, key)) continue;
      const part = salvage(field, value[key]);
      if (part !== undefined) parts[key] = part;
    }
    return parts;
  }
  if (inner instanceof ZodArray && Array.isArray(value)) {
    // Items keep their index: problems found later point at the right one.
    return value.map((item: unknown) => salvage(inner.element as z.ZodType, item));
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
