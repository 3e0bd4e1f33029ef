import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/definitions/types.js';
import { sampleJob as job } from '../helpers/definitions.js';
import { hostQueueName, splitHostQueue, withHostQueues } from '../../src/schedule/host-queues.js';
import { intervalAfter, isMissedTick, MISSED_GRACE_MS } from '../../src/worker/missed.js';

const hourly: Schedule = { kind: 'cron', expression: '0 * * * *', pattern: '0 * * * *' };
const TICK = Date.parse('2026-03-04T12:00:00Z');

describe('isMissedTick', () => {
  it('skips a tick older than one interval plus the grace, with missed: skip only', () => {
    const every = { kind: 'every', everyMs: 60_000, delayMs: 0 } as const;
    const late = TICK + 60_000 + MISSED_GRACE_MS + 1;
    expect(isMissedTick(job(every, { missed: 'skip' }), TICK, late)).toBe(true);
    expect(isMissedTick(job(every, { missed: 'once' }), TICK, late)).toBe(false);
  });

  it('runs a tick late by less than an interval plus the grace', () => {
    const every = { kind: 'every', everyMs: 60_000, delayMs: 0 } as const;
    expect(isMissedTick(job(every, { missed: 'skip' }), TICK, TICK + 60_000)).toBe(false);
  });

  it("measures a cron tick against the gap to the schedule's next one", () => {
    expect(intervalAfter(job(hourly), TICK)).toBe(3_600_000);
    const skip = job(hourly, { missed: 'skip' });
    expect(isMissedTick(skip, TICK, TICK + 30 * 60_000)).toBe(false);
    expect(isMissedTick(skip, TICK, TICK + 2 * 3_600_000)).toBe(true);
  });
});

describe('per-host queues', () => {
  it('split back into the job queue and the host', () => {
    expect(splitHostQueue(hostQueueName('mail', 'web-1.example'))).toEqual({
      base: 'mail',
      host: 'web-1.example',
    });
    expect(splitHostQueue('mail')).toEqual({ base: 'mail' });
  });

  it('are consumed only for queues that hold runOn: all schedules', () => {
    const definitions = {
      file: 'jobs.yaml',
      jobs: new Map([
        ['a', job(hourly, { name: 'a', queue: 'default', runOn: 'all' })],
        ['b', job(hourly, { name: 'b', queue: 'mail' })],
      ]),
    };
    expect(withHostQueues(['default', 'mail'], definitions, 'web-1')).toEqual([
      'default',
      'mail',
      'default@web-1',
    ]);
  });
});
