import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/definitions/types.js';
import { listSlots, MAX_SKIPPED_TICKS } from '../../src/worker/pause-guard.js';
import { sampleJob as job } from '../helpers/definitions.js';

const DUE = Date.parse('2026-03-04T12:00:00Z');
const MINUTE = 60_000;
const every = (everyMs: number): Schedule => ({ kind: 'every', everyMs, delayMs: 0 });
const cron = (expression: string): Schedule => ({ kind: 'cron', expression, pattern: expression });

describe('listSlots', () => {
  it('lists an interval job’s slots from the paused tick up to, not including, the next', () => {
    expect(listSlots(job(every(MINUTE)), DUE, DUE + 5 * MINUTE)).toEqual([
      DUE,
      DUE + MINUTE,
      DUE + 2 * MINUTE,
      DUE + 3 * MINUTE,
      DUE + 4 * MINUTE,
    ]);
  });

  it('lists the cron slots in between, in the job’s time zone', () => {
    expect(listSlots(job(cron('*/15 * * * *')), DUE, DUE + 60 * MINUTE)).toEqual([
      DUE,
      DUE + 15 * MINUTE,
      DUE + 30 * MINUTE,
      DUE + 45 * MINUTE,
    ]);
    // 09:00 in New York is 14:00 UTC (EST): the only 9 o'clock slot in these 6 hours.
    const nineInNewYork = job(cron('0 9 * * *'), { timezone: 'America/New_York' });
    expect(listSlots(nineInNewYork, DUE - 1, DUE + 6 * 60 * MINUTE)).toEqual([
      DUE - 1,
      DUE + 2 * 60 * MINUTE,
    ]);
  });

  it('lists only the paused tick when the next one directly follows', () => {
    expect(listSlots(job(every(MINUTE)), DUE, DUE + MINUTE)).toEqual([DUE]);
    expect(listSlots(job(cron('0 * * * *')), DUE, DUE + 60 * MINUTE)).toEqual([DUE]);
  });

  it('lists only the paused tick of an unknown or on-demand job', () => {
    expect(listSlots(undefined, DUE, DUE + 60 * MINUTE)).toEqual([DUE]);
    expect(listSlots(job({ kind: 'none' }), DUE, DUE + 60 * MINUTE)).toEqual([DUE]);
  });

  it('joins cron chunks without a gap or a repeat', () => {
    const slots = listSlots(job(cron('* * * * *')), DUE, DUE + 250 * MINUTE);
    expect(slots).toHaveLength(250);
    expect(slots.every((at, i) => at === DUE + i * MINUTE)).toBe(true);
  });

  it(`itemises at most ${MAX_SKIPPED_TICKS} slots of a long pause`, () => {
    const week = 7 * 24 * 60 * MINUTE;
    const bySecond = listSlots(job(every(1_000)), DUE, DUE + week);
    expect(bySecond).toHaveLength(MAX_SKIPPED_TICKS);
    expect(bySecond.at(-1)).toBe(DUE + (MAX_SKIPPED_TICKS - 1) * 1_000);
    const byCron = listSlots(job(cron('* * * * *')), DUE, DUE + week);
    expect(byCron).toHaveLength(MAX_SKIPPED_TICKS);
    expect(byCron.at(-1)).toBe(DUE + (MAX_SKIPPED_TICKS - 1) * MINUTE);
  });
});
