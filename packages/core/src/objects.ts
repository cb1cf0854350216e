/** Small object helpers for optional fields. */

/** The type `omitUndefined` returns: fields that may be undefined become optional ones. */
export type WithoutUndefined<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * The object without its undefined fields, keys in their order: an optional
 * field is absent rather than present as undefined (JSON output, key counts
 * and strict equality all see the difference). It replaces the spread
 * `...(x === undefined ? {} : { x })` per field.
 */
export function omitUndefined<T extends object>(object: T): WithoutUndefined<T> {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) defined[key] = value;
  }
  return defined as WithoutUndefined<T>;
}

/** `read(value)` for a value that is there, undefined otherwise: reads an optional field in one expression. */
export function ifDefined<T, R>(value: T | undefined, read: (value: T) => R): R | undefined {
  return value === undefined ? undefined : read(value);
}
