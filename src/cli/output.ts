import Table from 'cli-table3';
import { formatDuration } from '../definitions/duration.js';

/** Space between columns, and the narrowest a column is squeezed to on a small terminal. */
const GAP = 2;
const MIN_COLUMN = 8;

/** One JSON document on stdout, nothing else (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A plain table for people. On a terminal it fits `process.stdout.columns`: the widest
 * columns are narrowed and their cells wrapped; piped output keeps full lines for grep.
 */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const cells = rows.map((row) => row.map(String));
  const widths = fitWidths(head, cells, process.stdout.isTTY ? process.stdout.columns : undefined);
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0 },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: ' '.repeat(GAP),
    },
    ...(widths ? { colWidths: widths, wordWrap: true, wrapOnWordBoundary: false } : {}),
  });
  for (const row of cells) table.push(row);
  process.stdout.write(`${table.toString().replace(/[ \t]+$/gm, '')}\n`);
}

/** Column widths that fit `columns`, or undefined when the natural widths fit already. */
export function fitWidths(
  head: string[],
  rows: string[][],
  columns: number | undefined,
): number[] | undefined {
  if (!columns) return undefined;
  const widths = head.map((title, index) =>
    Math.max(
      title.length,
      ...rows.map((row) => Math.max(...(row[index] ?? '').split('\n').map((line) => line.length))),
    ),
  );
  const available = columns - GAP * (head.length - 1);
  let total = widths.reduce((sum, width) => sum + width, 0);
  if (total <= available) return undefined;
  // Take from the widest column one character at a time: the short ones (ids, states) stay whole.
  while (total > available) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] as number) <= MIN_COLUMN) break;
    widths[widest] = (widths[widest] as number) - 1;
    total--;
  }
  return widths;
}

/** `2026-01-31 03:00:00Z`: UTC, to the second. */
export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `2026-01-31 04:00:00 Europe/Berlin`: the wall-clock time in a zone. */
export function formatInZone(ms: number, timeZone: string): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
  return `${text} ${timeZone}`;
}

/** A run's duration for a table, `-` when there is none. */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : formatDuration(ms);
}

/** Seconds since `ms`, as `3d 4h`, `5m 12s`: an uptime or an age. */
export function formatAge(ms: number, now = Date.now()): string {
  let seconds = Math.max(0, Math.round((now - ms) / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (seconds >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
