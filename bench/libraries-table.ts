import Table from 'cli-table3';
import { renderTable } from '../src/cli/table.js';
import { timed, type Trial } from './libraries-measure.js';

/**
 * A `jobs failed`-like table two ways: src/cli/table.ts, and cli-table3 set up to print
 * the same layout (no borders, no padding, two spaces between columns, no colours).
 */

export const HEAD = ['id', 'name', 'queue', 'failed at', 'attempts', 'error'];

/** cli-table3's options for our layout: plain data, so a fresh process can be given them. */
export const CLI_TABLE3_OPTIONS = {
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
    middle: '  ',
  },
  style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [] },
};

/** `count` rows; `wide`: errors in Japanese with an emoji, which string-width measures. */
export function tableRows(count: number, wide = false): string[][] {
  return Array.from({ length: count }, (_, i) => [
    String(100_000 + i),
    `nightly-report-${i % 50}`,
    `queue-${i % 20}`,
    `2026-12-03 10:${String(i % 60).padStart(2, '0')}:12`,
    String((i % 5) + 1),
    wide
      ? `エラー: データベースに接続できません 🎉 ${i}`
      : `Error: connect ECONNREFUSED 10.0.0.${i % 255}:5432`,
  ]);
}

/** Cells whose width in terminal cells is not their length. */
export const WIDE_ROWS = [
  ['日本語', 'ジョブ🎉', 'ok'],
  ['café', 'cafe\u0301', '👍🏽 thumbs'],
  ['🇫🇷 flag', '👨‍👩‍👧 family', '한국어 텍스트'],
  ['plain', 'ascii', 'row'],
];

export function renderCliTable3(head: string[], rows: string[][]): string {
  const table = new Table({ head, ...CLI_TABLE3_OPTIONS });
  table.push(...rows);
  return table.toString();
}

/** cli-table3's text as ours ends its lines: trailing spaces trimmed, a final newline. */
export const trimmed = (text: string) =>
  `${text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`;

/** Both lay out the wide cells alike: the same text once cli-table3's padding is trimmed. */
export function sameWideLayout(): boolean {
  const head = ['a', 'b', 'c'];
  return renderTable(head, WIDE_ROWS) === trimmed(renderCliTable3(head, WIDE_ROWS));
}

/** Renders to a string, not to stdout: writing would cost both sides the same. */
export const tableTrial =
  (side: 'ours' | 'library', rows: string[][]): Trial =>
  () =>
    timed(() => (side === 'ours' ? renderTable(HEAD, rows) : renderCliTable3(HEAD, rows)));
