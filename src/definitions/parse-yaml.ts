import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, firstLine } from '../errors.js';
import { SourceLocator } from './locate.js';
import { PARSE_WHOLE, type ParsedFile, type ParsedJob } from './parsed.js';
import { countLines, splitJobs, type SplitFile } from './segments.js';

export { PARSE_WHOLE, type ParsedFile, type ParsedJob };

/** A file in plain block style is read a job at a time (segments.ts); any other whole. */
export function parseYaml(text: string, file: string): ParsedFile {
  const split = splitJobs(text);
  return (split && parsePieces(text, split, file)) ?? parseWhole(text, file);
}

/** Throws a ConfigError listing the YAML syntax errors, each with its position. */
export function parseWhole(text: string, file: string): ParsedFile {
  const lines = new LineCounter();
  // The parser's own check of duplicate keys compares each key with every one before it:
  // 10,000 jobs took it 1.1 s. duplicateKeys does it with a set.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const locator = new SourceLocator(file, doc, lines);
  const errors = [
    ...doc.errors.map((error) => ({ offset: error.pos[0], message: firstLine(error.message) })),
    ...duplicateKeys(doc).map((offset) => ({ offset, message: 'Map keys must be unique' })),
  ];
  if (errors.length > 0) {
    throw new ConfigError(
      errors
        .sort((a, b) => a.offset - b.offset)
        .map((error) => `${locator.format(error.offset)}: ${error.message}`),
    );
  }
  return {
    top: doc.toJS() ?? {},
    locator,
    jobs: (parsedTop) =>
      Object.entries(parsedTop.jobs).map(([name, value]) => ({ name, value, locator })),
  };
}

/**
 * The head parsed now, each job when iterated. A piece that does not parse cleanly alone,
 * or a job name seen twice, yields PARSE_WHOLE: the whole file's parse says what is wrong.
 */
function parsePieces(text: string, split: SplitFile, file: string): ParsedFile | undefined {
  if (split.jobs.length === 0) return undefined;
  const lines = countLines(text);
  const head = parseDocument(split.head, { prettyErrors: false });
  if (head.errors.length > 0) return undefined;
  const top = (head.toJS() ?? {}) as Record<string, unknown>;
  if (typeof top !== 'object' || Array.isArray(top)) return undefined;
  return {
    top: { ...top, jobs: {} },
    locator: new SourceLocator(file, head, lines),
    jobs: function* () {
      const seen = new Set<string>();
      for (const piece of split.jobs) {
        const doc = parseDocument(piece.text, { prettyErrors: false });
        const entries = doc.errors.length === 0 && isMap(doc.contents) ? doc.contents.items : [];
        const key = entries[0]?.key;
        if (entries.length !== 1 || !isScalar(key)) return yield PARSE_WHOLE;
        const name = String(key.value);
        if (seen.has(name)) return yield PARSE_WHOLE;
        seen.add(name);
        const value = (doc.toJS() as Record<string, unknown>)[name];
        const scope = { offset: piece.offset, depth: 1 };
        yield { name, value, locator: new SourceLocator(file, doc, lines, scope) };
      }
    },
  };
}

/** Where each repeated key of a map stands (its first occurrence is not counted). */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const value = isScalar(key) ? key.value : key;
        if (seen.has(value) && isScalar(key) && key.range) offsets.push(key.range[0]);
        seen.add(value);
      }
    },
  });
  return offsets;
}
