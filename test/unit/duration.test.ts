import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/definitions/duration.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1.5s', 1_500],
    ['250', 250],
    [1000, 1000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'forever', '3 weeks', '10w', '-5s', 's', -1, Number.NaN, null, {}])(
    'rejects %s',
    (value) => {
      expect(parseDuration(value)).toBeUndefined();
    },
  );

  it('formats back to the shortest exact unit', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(12)).toBe('12ms');
  });

  it('formats in one style, with no trailing zeros', () => {
    expect(formatDuration(1_500)).toBe('1.5s');
    expect(formatDuration(5_004)).toBe('5.004s');
    expect(formatDuration(5_040)).toBe('5.04s');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(12_040)).toBe('12s');
  });
});
