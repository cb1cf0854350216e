/**
 * Turns manifest text into plain data plus a locator for line numbers. JSON
 * and YAML both go through eemeli/yaml (JSON is YAML's flow subset) so every
 * problem can point at a line; a strict JSON.parse decides "JSON array".
 * Valid JSON is not parsed as YAML until a problem needs a line number: the
 * YAML tree of a 10,000-entry manifest costs ~0.4 s, and loading the library
 * costs start-up time.
 */
import { createRequire } from 'node:module';
import type { Document, LineCounter, Node } from 'yaml';
import type { DocPath, Locator } from './problems.js';

type YamlModule = typeof import('yaml');
let loadedYaml: YamlModule | undefined;

/** eemeli/yaml, loaded on first use (synchronously: locators are synchronous). */
function yaml(): YamlModule {
  loadedYaml ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return loadedYaml;
}

export interface SourceProblem {
  message: string;
  line?: number;
  column?: number;
}

export type Source =
  | { ok: true; data: unknown; isJson: boolean; locate: Locator }
  | { ok: false; problems: SourceProblem[]; isJson: boolean };

/** Aliases are allowed (shared hooks) but bounded, against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

function parseYaml(text: string): { doc: Document.Parsed; lineCounter: LineCounter } {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: true,
    version: '1.2',
    logLevel: 'error',
  });
  return { doc, lineCounter };
}

export function readSource(text: string): Source {
  const json = parseJson(text);
  // Valid JSON is read as JSON (as jq did for the legacy manifest); the YAML tree only gives line numbers.
  if (json.ok) return { ok: true, data: json.data, isJson: true, locate: lazyLocator(text) };
  let parsed: ReturnType<typeof parseYaml>;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    // The YAML library throws only on pathological input (e.g. very deep nesting).
    return {
      ok: false,
      isJson: false,
      problems: [{ message: `The file cannot be parsed: ${shortReason(error)}.` }],
    };
  }
  const { doc, lineCounter } = parsed;
  const locate = locatorFor(doc, lineCounter);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      isJson: false,
      problems: doc.errors.slice(0, 20).map((e) => {
        const at = e.linePos?.[0];
        const problem: SourceProblem = { message: `Neither JSON nor valid YAML: ${firstLine(e.message)}.` };
        if (at) {
          problem.line = at.line;
          problem.column = at.col;
        }
        return problem;
      }),
    };
  }
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), isJson: false, locate };
  } catch (error) {
    return {
      ok: false,
      isJson: false,
      problems: [{ message: `The file cannot be read as data: ${shortReason(error)}.` }],
    };
  }
}

/** A locator that parses the text as YAML on its first call (only when a problem is reported). */
function lazyLocator(text: string): Locator {
  let locate: Locator | undefined;
  return (path) => {
    if (locate === undefined) {
      try {
        const { doc, lineCounter } = parseYaml(text);
        locate = locatorFor(doc, lineCounter);
      } catch {
        locate = () => undefined;
      }
    }
    return locate(path);
  };
}

function locatorFor(doc: Document.Parsed | undefined, lineCounter: LineCounter): Locator {
  return (path) => {
    if (!doc) return undefined;
    try {
      const offset = offsetOf(doc.contents as Node | null, path, doc);
      if (offset === undefined) return undefined;
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    } catch {
      return undefined;
    }
  };
}

function parseJson(text: string): { ok: true; data: unknown } | { ok: false } {
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Offset of the deepest node found along the path: a key for map fields, the item for list entries. */
function offsetOf(root: Node | null, path: DocPath, doc: Document.Parsed): number | undefined {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml();
  let node: unknown = root;
  let offset = rangeStart(root);
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return offset;
      offset = rangeStart(pair.key as Node) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return offset;
      offset = rangeStart(item as Node) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] }).range;
    return range?.[0];
  }
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/[.:]\s*$/, '');
}

function shortReason(error: unknown): string {
  return firstLine(error instanceof Error ? error.message : String(error));
}
