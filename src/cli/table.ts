import { createRequire } from 'node:module';

/**
 * Plain tables for people: a header row, columns two spaces apart, no borders, multi-line
 * cells, trailing spaces trimmed. On a terminal the table fits `process.stdout.columns`
 * (the widest columns are narrowed and their cells wrapped); piped output keeps full
 * lines for grep.
 *
 * Laid out here rather than by cli-table3: `npm run bench` (section `libraries`) measures
 * both. In a fresh process cli-table3 adds 50–140 ms to load and draw 50 rows, half a bare
 * `node` start or more, and this file about a fifth of that; 1,000 rows cost it 25 times
 * our CPU, as it checks each cell against those above it for spans we never use. The hard
 * part, how many terminal cells a string takes (wide CJK characters, emoji), is
 * string-width's for both, so both lay out alike; here it is loaded only when a cell holds
 * something other than printable ASCII.
 */

/** Space between columns, and the narrowest a column is squeezed to on a small terminal. */
const GAP = 2;
const MIN_COLUMN = 8;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
let stringWidth: ((text: string) => number) | undefined;
/** What a reader sees as one character: an accented letter, a flag, a family emoji. */
let graphemes: Intl.Segmenter | undefined; // made when first needed: ICU takes ~10 ms to load

/** Terminal cells `text` (one line) takes. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  stringWidth ??= createRequire(import.meta.url)('string-width') as (text: string) => number;
  return stringWidth(text);
}

export function printTable(head: string[], rows: (string | number)[][]): void {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  process.stdout.write(renderTable(head, rows, columns));
}

/** A cell's line and the terminal cells it takes, measured once. */
interface Line {
  text: string;
  width: number;
}

const measured = (text: string): Line => ({ text, width: displayWidth(text) });

/** The table as text, ending in a newline; `columns`: the terminal's width, if any. */
export function renderTable(head: string[], rows: (string | number)[][], columns?: number): string {
  const all = [head, ...rows].map((row) =>
    row.map((cell) => String(cell).split('\n').map(measured)),
  );
  const natural = head.map((_, index) => {
    let widest = 0;
    for (const row of all)
      for (const line of row[index] ?? []) widest = Math.max(widest, line.width);
    return widest;
  });
  const widths = fitWidths(natural, columns);
  const out: string[] = [];
  for (const row of all) {
    const cells = widths.map((width, index) =>
      (row[index] ?? []).flatMap((line) =>
        line.width <= width ? [line] : wrapLine(line.text, width).map(measured),
      ),
    );
    const height = Math.max(1, ...cells.map((lines) => lines.length));
    for (let i = 0; i < height; i++) {
      const line = cells
        .map((lines, index) => pad(lines[i], widths[index] as number))
        .join(' '.repeat(GAP));
      out.push(line.trimEnd());
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Column widths that fit `columns`: the natural widths when they fit, else the widest
 * columns narrowed one cell at a time, so the short ones (ids, states) stay whole.
 */
export function fitWidths(natural: readonly number[], columns: number | undefined): number[] {
  const widths = [...natural];
  if (!columns) return widths;
  const available = columns - GAP * (widths.length - 1);
  let total = widths.reduce((sum, width) => sum + width, 0);
  while (total > available) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] as number) <= MIN_COLUMN) break;
    widths[widest] = (widths[widest] as number) - 1;
    total--;
  }
  return widths;
}

/** One line cut into pieces of at most `width` cells (a character is never split). */
function wrapLine(line: string, width: number): string[] {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const { segment: char } of graphemes.segment(line)) {
    const size = displayWidth(char);
    if (used + size > width && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += char;
    used += size;
  }
  pieces.push(piece);
  return pieces;
}

function pad(line: Line | undefined, width: number): string {
  if (!line) return ' '.repeat(width);
  return line.text + ' '.repeat(Math.max(0, width - line.width));
}
