import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/definitions/types.js';
import { sampleJob as job } from '../helpers/definitions.js';
import { expectedIntervalSeconds } from '../../src/metrics/expected-interval.js';

const cron = (expression: string): Schedule => ({ kind: 'cron', expression, pattern: expression });
// A Wednesday, so the next weekday ticks cross a weekend.
const WEDNESDAY = new Date('2026-03-04T12:00:00Z');

describe('expectedIntervalSeconds', () => {
  it('is the interval of an every schedule', () => {
    expect(expectedIntervalSeconds(job({ kind: 'every', everyMs: 30_000, delayMs: 0 }))).toBe(30);
  });

  it('is the longest gap among the next cron ticks', () => {
    expect(expectedIntervalSeconds(job(cron('*/5 * * * *')), WEDNESDAY)).toBe(300);
    // 03:00 on weekdays: Friday to Monday is the longest gap, three days.
    expect(expectedIntervalSeconds(job(cron('0 3 * * 1-5')), WEDNESDAY)).toBe(3 * 86_400);
  });

  it('follows the time zone across a daylight saving change', () => {
    // Europe/Berlin springs forward on 2026-03-29: 02:30 does not exist that day.
    const daily = job(cron('30 2 * * *'), { timezone: 'Europe/Berlin' });
    const seconds = expectedIntervalSeconds(daily, new Date('2026-03-20T00:00:00Z')) ?? 0;
    expect(seconds).toBeGreaterThanOrEqual(86_400);
  });

  it('is undefined for on-demand and disabled jobs', () => {
    expect(expectedIntervalSeconds(job({ kind: 'none' }))).toBe(undefined);
    expect(expectedIntervalSeconds(job(cron('@daily'), { enabled: false }))).toBe(undefined);
  });
});
