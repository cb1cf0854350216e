/**
 * Translates zod issues into ManifestProblems: stable rule codes and plain
 * sentences. zod stays inside this module; callers only see problems.
 */
import type { z } from 'zod';
import type { DocPath, ProblemSink } from './problems.js';
import { show } from './values.js';

export interface StructureOptions {
  /** Legacy manifests tolerate unknown fields (a warning); v1 rejects them (typos must not pass). */
  unknownFields: 'error' | 'warning';
}

const MODE_FIELDS = new Set(['mode', 'keyMode', 'permissions']);

export function reportZodIssues(
  issues: readonly z.core.$ZodIssue[],
  base: DocPath,
  sink: ProblemSink,
  options: StructureOptions,
): void {
  for (const issue of issues) {
    const path: DocPath = [...base, ...(issue.path as (string | number)[])];
    const where = describePath(path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const message = `${describePath([...path, key])} is not a known field${suggestion(key)}.`;
          if (options.unknownFields === 'error') sink.error([...path, key], 'unknown-field', message);
          else sink.warn([...path, key], 'unknown-field', `${message} It is ignored.`);
        }
        break;
      case 'invalid_type':
        if (typeof input === 'number' && MODE_FIELDS.has(String(path[path.length - 1]))) {
          // YAML reads an unquoted 0640 as the decimal 640: refuse rather than guess.
          sink.error(
            path,
            'invalid-mode',
            `${where} must be a quoted octal string such as "0640", not ${input}.`,
          );
        } else if (input === undefined) sink.error(path, 'missing-field', `${where} is required.`);
        else
          sink.error(path, 'wrong-type', `${where} must be ${article(issue.expected)}, not ${show(input)}.`);
        break;
      case 'invalid_value':
        sink.error(
          path,
          'invalid-value',
          `${where} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, not ${show(input)}.`,
        );
        break;
      case 'invalid_union':
        if (input === undefined) sink.error(path, 'missing-field', `${where} is required.`);
        else sink.error(path, 'wrong-type', `${where} ${issue.message}, not ${show(input)}.`);
        break;
      case 'too_small':
        sink.error(path, 'too-small', `${where} ${issue.message}.`);
        break;
      default:
        sink.error(path, 'invalid-value', `${where}: ${issue.message}.`);
    }
  }
}

/** "certificates[2].files.cert" style text of a document path, for messages. */
export function describePath(path: DocPath): string {
  if (path.length === 0) return 'The manifest';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text.startsWith('[') ? `Entry ${text}` : text;
}

const KNOWN_TYPOS: Readonly<Record<string, string>> = {
  commonname: 'commonName',
  common_name: 'commonName (in v1)',
  san: 'sans',
  subjectaltnames: 'sans',
  renew_before: 'renewBefore',
  renewbefore: 'renewBefore',
  keymode: 'keyMode',
  filemode: 'mode',
  permissions: 'mode/keyMode (in v1)',
  cabundle: 'caBundle',
  ca_bundle: 'caBundle',
  passwordfile: 'passwordFile',
  statedir: 'stateDir',
  stepca: 'stepCA',
  lifetime: 'duration',
  hook: 'hooks',
};

function suggestion(key: string): string {
  const hint = KNOWN_TYPOS[key.toLowerCase()];
  return hint === undefined || hint === key ? '' : ` (did you mean ${hint}?)`;
}

function article(expected: string): string {
  switch (expected) {
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}
