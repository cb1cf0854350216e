import type { PassContext, WorkResult } from './context.js';

/** Files certloop wrote for an orphan, minus any path a current certificate still declares. */
export async function removeOrphan(ctx: PassContext, name: string): Promise<WorkResult> {
  const provenance = ctx.provenance.get(name);
  const inUse = new Set(ctx.desired.certificates.flatMap((c) => Object.values(c.files)));
  const paths = Object.values(provenance?.files ?? {}).filter(
    (p): p is string => p !== undefined && !inUse.has(p),
  );
  if (paths.length > 0) await ctx.ports.removeFiles(paths);
  await ctx.ports.provenance.remove(name);
  return { outcome: 'changed', filesWritten: false };
}
