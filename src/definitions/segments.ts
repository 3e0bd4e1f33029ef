import type { LinePositions } from './parsed.js';

/**
 * A definitions file cut into the part before its `jobs:` map and one piece of text per
 * job, so that each job is parsed on its own. The YAML parser builds a syntax tree and a
 * document of the whole file before anything else can happen: 10,000 jobs (5 MB) took
 * 2 s and 310 MB at its peak; parsed a job at a time, 1.3 s and 85 MB, and each job's
 * tree is garbage once the job is checked.
 *
 * Only a file in plain block style is cut: `jobs:` once, at the start of a line, as the
 * last top-level key; its jobs at one indentation; no anchors, aliases, tags, directives,
 * document markers or explicit keys, which could tie one job's text to another's. Any
 * other file, and any file whose pieces do not parse cleanly, is parsed whole, so that
 * its errors read exactly as they always have.
 */

export interface JobText {
  /** Offset of the piece (the start of its first line) in the file. */
  offset: number;
  text: string;
}

export interface SplitFile {
  /** The file up to the `jobs:` map, parsed as a document of its own. */
  head: string;
  /** Offset of the `jobs` key. */
  jobsKey: number;
  jobs: JobText[];
}

const JOBS_LINE = /^jobs:[ \t]*(#.*)?$/gm;
/**
 * Where a node starts (a line's start, after `: `, `- `, `[`, `{` or `,`): an `&anchor`,
 * `*alias`, `!tag` or `? key` there; or a `%DIRECTIVE`, `---` or `...` line. Over-matched
 * (inside quotes too): such a file is parsed whole, which is only slower.
 */
const ENTANGLING = /(^[ \t]*|:[ \t]+|-[ \t]+|[[{,][ \t]*)([&*!]|\?[ \t])|^(%|---|\.\.\.)/m;

export function splitJobs(text: string): SplitFile | undefined {
  const found = [...text.matchAll(JOBS_LINE)];
  if (found.length !== 1 || ENTANGLING.test(text)) return undefined;
  const jobsKey = (found[0] as RegExpMatchArray).index as number;
  const blockStart = text.indexOf('\n', jobsKey) + 1;
  if (blockStart === 0) return undefined;

  const jobs: JobText[] = [];
  let indent = -1;
  for (let start = blockStart; start < text.length;) {
    const end = nextLineStart(text, start);
    const line = text.slice(start, end);
    const content = line.trimStart();
    if (content === '' || content.startsWith('#')) {
      start = end;
      continue;
    }
    const lineIndent = line.length - content.length;
    if (lineIndent === 0 || /^\t/.test(line)) return undefined; // a key after jobs, or tabs
    if (indent < 0) indent = lineIndent;
    if (lineIndent < indent || (lineIndent === indent && content.startsWith('-'))) return undefined;
    if (lineIndent === indent) jobs.push({ offset: start, text: '' });
    start = end;
  }
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as JobText;
    job.text = text.slice(job.offset, jobs[i + 1]?.offset ?? text.length);
  }
  return { head: text.slice(0, blockStart), jobsKey, jobs };
}

function nextLineStart(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline < 0 ? text.length : newline + 1;
}

/** Line starts of the whole file, as the parser would have counted them. */
export function countLines(text: string): LinePositions {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return new LineStarts(starts);
}

/** An offset's 1-based line and column, found as yaml's LineCounter finds them. */
class LineStarts implements LinePositions {
  constructor(private readonly starts: readonly number[]) {}

  linePos(offset: number): { line: number; col: number } {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.starts[mid] as number) < offset) low = mid + 1;
      else high = mid;
    }
    if (this.starts[low] === offset) return { line: low + 1, col: 1 };
    if (low === 0) return { line: 0, col: offset };
    return { line: low, col: offset - (this.starts[low - 1] as number) + 1 };
  }
}
