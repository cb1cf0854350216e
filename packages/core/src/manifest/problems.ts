/**
 * Collects every problem of a manifest with its location, so validation can
 * report all of them at once. Locations are filled in from the document path:
 * the entry index and dotted field come from where certificates live in each
 * format, line and column from the source text when it has them.
 */
import type { ManifestProblem, ProblemSeverity } from '../errors.js';

export type DocPath = readonly (string | number)[];

/** Maps a document path to a 1-based line and column, when the source allows. */
export type Locator = (path: DocPath) => { line: number; column: number } | undefined;

/** Where certificate entries live: `[i, ...]` for legacy, `['certificates', i, ...]` for v1. */
export type EntryPrefix = readonly string[];

export class ProblemSink {
  private readonly found: ManifestProblem[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly entryPrefix: EntryPrefix,
    private readonly locate: Locator,
  ) {}

  error(path: DocPath, rule: string, message: string): void {
    this.add('error', path, rule, message);
  }

  warn(path: DocPath, rule: string, message: string): void {
    this.add('warning', path, rule, message);
  }

  get hasErrors(): boolean {
    return this.found.some((p) => p.severity === 'error');
  }

  errorCount(): number {
    return this.found.filter((p) => p.severity === 'error').length;
  }

  /** All problems, in document order where lines are known. */
  list(): ManifestProblem[] {
    return this.found
      .map((problem, order) => ({ problem, order }))
      .sort((a, b) => compareLocation(a.problem, b.problem) || a.order - b.order)
      .map((x) => x.problem);
  }

  private add(severity: ProblemSeverity, path: DocPath, rule: string, message: string): void {
    // The same rule on the same spot once: shared defaults would otherwise repeat per entry.
    const key = `${severity}|${rule}|${JSON.stringify(path)}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const problem: ManifestProblem = { severity, rule, message, path: [...path] };
    const { entry, field } = splitEntry(path, this.entryPrefix);
    if (entry !== undefined) problem.entry = entry;
    if (field !== undefined) problem.field = field;
    const position = this.locate(path);
    if (position) {
      problem.line = position.line;
      problem.column = position.column;
    }
    this.found.push(problem);
  }
}

function splitEntry(path: DocPath, prefix: EntryPrefix): { entry?: number; field?: string } {
  const isEntry =
    prefix.every((segment, i) => path[i] === segment) && typeof path[prefix.length] === 'number';
  if (!isEntry) {
    // Top-level fields (issuer, defaults, stateDir) still get a dotted field name.
    return path.length > 0 ? { field: path.join('.') } : {};
  }
  const rest = path.slice(prefix.length + 1);
  const entry = path[prefix.length] as number;
  return rest.length > 0 ? { entry, field: rest.join('.') } : { entry };
}

function compareLocation(a: ManifestProblem, b: ManifestProblem): number {
  if (a.line !== undefined && b.line !== undefined) {
    return a.line - b.line || (a.column ?? 0) - (b.column ?? 0);
  }
  return 0;
}
