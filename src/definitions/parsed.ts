import path from 'node:path';

/**
 * What both readers of the definitions file produce (fast-parse.ts with js-yaml,
 * parse-yaml.ts with the position-keeping `yaml`), with no parser of its own: a valid
 * file read by the fast path never loads `yaml` (a worker process then carries ~4 MB less).
 */

/** Where a value or a key stands in the definitions file, as `file:line:col`. */
export interface Locator {
  /** The position of the value at `keys`, or of its nearest ancestor that exists. */
  valueAt(keys: readonly PropertyKey[]): string;
  /** The position of the key `key` in the map at `keys` (for unknown keys and job names). */
  keyAt(keys: readonly PropertyKey[], key: string): string;
}

/** One entry of the `jobs:` map, with a locator that knows where its text stands. */
export interface ParsedJob {
  name: string;
  value: unknown;
  locator: Locator;
}

/**
 * The definitions file as data: the top-level map (its `jobs` as parsed whole, or `{}`
 * when the jobs come a piece at a time) and the jobs, each with its positions.
 */
export interface ParsedFile {
  top: unknown;
  locator: Locator;
  jobs: (parsedTop: { jobs: Record<string, unknown> }) => Iterable<ParsedJob | typeof PARSE_WHOLE>;
}

/** Met while iterating the jobs a piece at a time: start again with the file parsed whole. */
export const PARSE_WHOLE = Symbol('parse the file whole');

/** The 1-based line and column of an offset (yaml's LineCounter has the same method). */
export interface LinePositions {
  linePos(offset: number): { line: number; col: number };
}

/** Relative to the working directory when inside it: what an operator typed. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

/** "timeout of job 'cleanup'", "schedule '* * *' of job 'cleanup'", "defaults.backoff", "job 'cleanup'". */
export function subject(keys: readonly PropertyKey[], value?: unknown): string {
  const shown = value === undefined ? '' : ` '${String(value)}'`;
  const [top, second, ...rest] = keys.map(String);
  if (top === 'jobs' && second !== undefined) {
    return rest.length === 0
      ? `job '${second}'${shown}`
      : `${rest.join('.')}${shown} of job '${second}'`;
  }
  return [top, second, ...rest].filter((part) => part !== undefined).join('.') + shown;
}
