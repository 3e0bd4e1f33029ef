import { isMap, isScalar, type Document, type Node, type YAMLMap } from 'yaml';
import { displayPath, type LinePositions, type Locator } from './parsed.js';

/**
 * Where a document parsed from part of the file stands: at `offset`, holding the value at
 * the first `depth` keys (a job's own text holds one entry of the `jobs` map: depth 1).
 */
export interface DocumentScope {
  offset: number;
  depth: number;
}

const WHOLE_FILE: DocumentScope = { offset: 0, depth: 0 };

/** Finds where a value (or a key) stands in the definitions file, as parsed by `yaml`. */
export class SourceLocator implements Locator {
  /**
   * Each map's keys by name, made on the first look-up in it: every job asks for its own
   * name's position, and a scan per job made 10,000 jobs cost 9 s in this class alone.
   */
  private readonly keyOffsets = new WeakMap<YAMLMap, Map<string, number>>();

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LinePositions,
    private readonly scope: DocumentScope = WHOLE_FILE,
  ) {}

  /** The position of the value at `keys`, or of its nearest ancestor that exists. */
  valueAt(keys: readonly PropertyKey[]): string {
    const local = keys.slice(this.scope.depth);
    for (let depth = local.length; depth >= 0; depth--) {
      const node = this.doc.getIn(local.slice(0, depth) as unknown[], true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) {
        return this.format(this.scope.offset + node.range[0]);
      }
    }
    return this.format(this.scope.offset);
  }

  /** The position of the key `key` in the map at `keys` (for unknown keys and job names). */
  keyAt(keys: readonly PropertyKey[], key: string): string {
    const local = keys.slice(this.scope.depth);
    const map = local.length === 0 ? this.doc.contents : this.doc.getIn(local as unknown[], true);
    const offset = isMap(map) ? this.offsetsOf(map).get(key) : undefined;
    return offset === undefined ? this.valueAt(keys) : this.format(this.scope.offset + offset);
  }

  private offsetsOf(map: YAMLMap): Map<string, number> {
    let offsets = this.keyOffsets.get(map);
    if (!offsets) {
      offsets = new Map();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key) || !key.range) continue;
        const name = String(key.value);
        // The first of a duplicated key, as a scan finds it (the parser reports duplicates).
        if (!offsets.has(name)) offsets.set(name, key.range[0]);
      }
      this.keyOffsets.set(map, offsets);
    }
    return offsets;
  }

  format(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.displayName()}:${line}:${col}`;
  }

  displayName(): string {
    return displayPath(this.file);
  }
}
