import { describe, expect, it } from 'vitest';
import { checkCron, nextCronRuns, normalizeCron } from '../../src/definitions/cron.js';

describe('cron expressions', () => {
  it.each([
    '0 3 * * *',
    '*/5 * * * * *',
    '0 0 1 jan,jul mon-fri',
    '@hourly',
    '@daily',
    '@weekly',
    '@monthly',
    '@yearly',
    '0 0 L * *',
  ])('accepts %s', (expression) => {
    expect(checkCron(expression)).toBeUndefined();
  });

  it.each([
    ['*/61 * * * *', 'minute 61 is out of range 0-59'],
    ['0 24 * * *', 'hour 24 is out of range 0-23'],
    ['0 0 0 * *', 'day of month 0 is out of range 1-31'],
    ['0 0 1 13 *', 'month 13 is out of range 1-12'],
    ['0 0 * * 8', 'day of week 8 is out of range 0-7'],
    ['61 * * * * *', 'second 61 is out of range 0-59'],
    ['* * * *', 'it has 4 fields'],
    ['@fortnightly', 'unknown alias'],
    ['0 0 * * funday', "day of week 'funday' is not a number"],
  ])('rejects %s', (expression, message) => {
    expect(checkCron(expression)).toContain(message);
  });

  it('expands aliases', () => {
    expect(normalizeCron('@daily')).toBe('0 0 * * *');
    expect(normalizeCron('  0  3 * *   * ')).toBe('0 3 * * *');
  });

  it('follows Europe/Berlin across the spring DST change', () => {
    // 2027-03-28 02:00 CET jumps to 03:00 CEST: 03:00 local is 02:00Z before, 01:00Z after.
    const runs = nextCronRuns('0 3 * * *', 'Europe/Berlin', 3, new Date('2027-03-26T12:00:00Z'));
    expect(runs.map((date) => date.toISOString())).toEqual([
      '2027-03-27T02:00:00.000Z',
      '2027-03-28T01:00:00.000Z',
      '2027-03-29T01:00:00.000Z',
    ]);
  });

  it('runs a job in the skipped hour once, and one in the repeated hour once, in Berlin', () => {
    // 02:30 does not exist on 2027-03-28; 02:30 exists twice on 2027-10-31.
    const spring = nextCronRuns(
      '30 2 * * *',
      'Europe/Berlin',
      2,
      new Date('2027-03-27T12:00:00Z'),
    ).map((d) => d.toISOString());
    expect(spring).toHaveLength(2);
    expect(new Set(spring.map((iso) => iso.slice(0, 10))).size).toBe(2);
    const autumn = nextCronRuns(
      '30 2 * * *',
      'Europe/Berlin',
      2,
      new Date('2027-10-30T12:00:00Z'),
    ).map((d) => d.toISOString());
    expect(autumn[0]).toBe('2027-10-31T00:30:00.000Z');
    expect(autumn[1]?.startsWith('2027-11-01')).toBe(true);
  });
});
