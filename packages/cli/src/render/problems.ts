import type { ManifestProblem } from '@certloop/core';
import { type Io, paint } from '../io.js';

/** "entry 2, field permissions" for legacy; "certificates[2].sans[0]" for v1 paths. */
export function describeLocation(problem: ManifestProblem): string {
  const parts: string[] = [];
  if (problem.entry !== undefined) parts.push(`entry ${problem.entry}`);
  if (problem.field !== undefined) parts.push(`field ${problem.field}`);
  if (parts.length === 0 && problem.path.length > 0) {
    parts.push(
      problem.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join(''),
    );
  }
  return parts.join(', ');
}

export function renderProblem(file: string, problem: ManifestProblem, io: Pick<Io, 'color'>): string {
  const position = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  const where = describeLocation(problem);
  const severity = problem.severity === 'error' ? paint(io, 'red', 'error') : paint(io, 'yellow', 'warning');
  return `${position}: ${severity}: ${where ? `${where}: ` : ''}${problem.message}`;
}

export function renderProblems(
  file: string,
  problems: readonly ManifestProblem[],
  io: Pick<Io, 'color'>,
): string {
  return problems.map((p) => `${renderProblem(file, p, io)}\n`).join('');
}
