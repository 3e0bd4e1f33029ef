import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';
import { displayPath, type Locator, type ParsedFile, type ParsedJob } from './parsed.js';
import { countLines, splitJobs } from './segments.js';

/**
 * The common case, a valid file in plain block style (segments.ts), read with js-yaml,
 * which keeps no positions: 10,000 jobs (5 MB) parse in about 0.15 s of CPU, against
 * 0.9 s for the `yaml` library's position-keeping parse. Positions are needed only to
 * report errors, so a file that js-yaml refuses, or that has any error at all, is read
 * again by parse-yaml.ts, which says where each error is (load.ts).
 *
 * The values are those the `yaml` library gives (a test compares both on every example,
 * fixture and the 10,000-job file): js-yaml's own CORE_SCHEMA reads `0b11`, `+0x1F` and
 * `1_000` as numbers where YAML 1.2's core schema, which `yaml` follows, reads strings.
 * So scalars are resolved here by the very patterns of `yaml`'s core schema
 * (yaml/dist/schema/core), on js-yaml's failsafe schema (everything else a string). No
 * merge keys, timestamps or binary: `<<` is a plain key in both. js-yaml refuses a
 * duplicate key, so such a file goes the slow way and gets its positioned error.
 */

/**
 * One js-yaml type per tag (js-yaml keeps only the last of several with the same tag):
 * `yaml`'s forms of that tag, tried in its order, each with its own reading.
 */
const scalar = (tag: string, forms: [RegExp, (text: string) => unknown][]) =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (text) => forms.some(([pattern]) => pattern.test(text ?? '')),
    construct: (text) => {
      const form = forms.find(([pattern]) => pattern.test(text ?? '')) as (typeof forms)[0];
      return form[1](text ?? '');
    },
  });

const YAML_CORE_SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', [[/^(?:~|[Nn]ull|NULL)?$/, () => null]]),
    scalar('bool', [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => /^[tT]/.test(text)]]),
    scalar('int', [
      [/^0o[0-7]+$/, (text) => parseInt(text.substring(2), 8)],
      [/^[-+]?[0-9]+$/, (text) => parseInt(text, 10)],
      [/^0x[0-9a-fA-F]+$/, (text) => parseInt(text.substring(2), 16)],
    ]),
    scalar('float', [
      [
        /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
        (text) =>
          text.slice(-3).toLowerCase() === 'nan'
            ? NaN
            : text[0] === '-'
              ? Number.NEGATIVE_INFINITY
              : Number.POSITIVE_INFINITY,
      ],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, parseFloat],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, parseFloat],
    ]),
  ],
});

/**
 * The file read by js-yaml, a job at a time like parse-yaml.ts's pieces; undefined when
 * it is not in plain block style, or js-yaml refuses a piece, or the pieces do not add up
 * to the jobs one by one. Its locator knows each job's own position (the start of its
 * name, all a valid job keeps: `source`); errors met on this path are never shown.
 */
export function parseFast(text: string, file: string): ParsedFile | undefined {
  // js-yaml and `yaml` both guard `__proto__`, each its own way: not worth proving alike.
  if (text.includes('__proto__')) return undefined;
  const split = splitJobs(text);
  if (!split || split.jobs.length === 0) return undefined;
  const top = readYaml(split.head);
  if (top === undefined || !isPlainMap(top)) return undefined;

  const lines = countLines(text);
  const shown = displayPath(file);
  const at = (offset: number): Locator => {
    const { line, col } = lines.linePos(offset);
    const position = `${shown}:${line}:${col}`;
    return { valueAt: () => position, keyAt: () => position };
  };
  const jobs: ParsedJob[] = [];
  const seen = new Set<string>();
  for (const piece of split.jobs) {
    const value = readYaml(piece.text);
    if (value === undefined || !isPlainMap(value)) return undefined;
    const names = Object.keys(value);
    const name = names[0];
    if (names.length !== 1 || name === undefined || seen.has(name)) return undefined;
    seen.add(name);
    const indent = piece.text.length - piece.text.trimStart().length;
    jobs.push({ name, value: value[name], locator: at(piece.offset + indent) });
  }
  return { top: { ...top, jobs: {} }, locator: at(split.jobsKey), jobs: () => jobs };
}

/** undefined when js-yaml refuses the text, or reads it unlike `yaml`. */
function readYaml(text: string): unknown {
  let value: unknown;
  try {
    value = load(text, { schema: YAML_CORE_SCHEMA }) ?? {};
  } catch {
    return undefined;
  }
  return hasNullKey(value) ? undefined : value;
}

/**
 * A null key (`~:`, `null:`) is "null" to js-yaml, "" to `yaml`; js-yaml's result no
 * longer tells it from a quoted "null", so any key "null" is left to the slow path.
 */
function hasNullKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasNullKey);
  for (const key in value) {
    if (key === 'null' || hasNullKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
