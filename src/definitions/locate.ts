import path from 'node:path';
import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';

/** Finds where a value (or a key) stands in the definitions file, as `file:line:col`. */
export class SourceLocator {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The position of the value at `keys`, or of its nearest ancestor that exists. */
  valueAt(keys: readonly PropertyKey[]): string {
    for (let depth = keys.length; depth >= 0; depth--) {
      const node = this.doc.getIn(keys.slice(0, depth) as unknown[], true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) {
        return this.format(node.range[0]);
      }
    }
    return this.format(0);
  }

  /** The position of the key `key` in the map at `keys` (for unknown keys and job names). */
  keyAt(keys: readonly PropertyKey[], key: string): string {
    const map = keys.length === 0 ? this.doc.contents : this.doc.getIn(keys as unknown[], true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.format(pair.key.range[0]);
        }
      }
    }
    return this.valueAt(keys);
  }

  format(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.displayName()}:${line}:${col}`;
  }

  displayName(): string {
    return displayPath(this.file);
  }
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
