import { describe, expect, it } from 'vitest';
import { displayWidth, fitWidths, renderTable } from '../../src/cli/table.js';

describe('plain tables', () => {
  it('aligns columns two spaces apart under the header and trims trailing spaces', () => {
    const text = renderTable(
      ['ID', 'NAME', 'ERROR'],
      [
        [7, 'mail', 'connection refused'],
        [1234, 'nightly-report', ''],
      ],
    );
    expect(text).toBe(
      [
        'ID    NAME            ERROR',
        '7     mail            connection refused',
        '1234  nightly-report',
        '',
      ].join('\n'),
    );
  });

  it('counts wide characters as two cells and keeps multi-line cells in their column', () => {
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('café')).toBe(4);
    const text = renderTable(
      ['NAME', 'CURRENT JOB', 'N'],
      [
        ['日本語', 'mail 1 (3s)\nsync 2 (1s)', 1],
        ['ab', '-', 2],
      ],
    );
    expect(text.split('\n')).toEqual([
      'NAME    CURRENT JOB  N',
      '日本語  mail 1 (3s)  1',
      '        sync 2 (1s)',
      'ab      -            2',
      '',
    ]);
  });

  it('narrows the widest column to fit a terminal, wrapping its cells, and leaves short ones whole', () => {
    expect(fitWidths([5, 40, 10], 40)).toEqual([5, 21, 10]);
    expect(fitWidths([5, 10], undefined)).toEqual([5, 10]);
    const text = renderTable(['ID', 'ERROR'], [['42', 'a'.repeat(30)]], 20);
    const lines = text.trimEnd().split('\n');
    expect(lines.every((line) => line.length <= 20)).toBe(true);
    expect(lines).toEqual(['ID  ERROR', `42  ${'a'.repeat(16)}`, `    ${'a'.repeat(14)}`]);
  });

  it('never splits a wide character when wrapping', () => {
    const lines = renderTable(['X'], [['日本語日本語日本語']], 9)
      .trimEnd()
      .split('\n');
    expect(lines.slice(1)).toEqual(['日本語日', '本語日本', '語']);
  });
});
