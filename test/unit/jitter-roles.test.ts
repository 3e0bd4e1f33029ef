import { describe, expect, it } from 'vitest';
import { JobsEventBus } from '../../src/events.js';
import { roleQueueName, splitHostQueue } from '../../src/schedule/host-queues.js';
import { recordEvents } from '../../src/metrics/subscribe.js';
import { RunMetrics } from '../../src/metrics/run-metrics.js';
import { jitterOffsetMs } from '../../src/worker/jitter.js';

describe('jitter offsets', () => {
  const ids = Array.from(
    { length: 1_000 },
    (_, i) => `repeat:report:${1_796_000_000_000 + i * 60_000}`,
  );

  it('are the same for the same tick and fall in [0, jitter)', () => {
    for (const id of ids) {
      const offset = jitterOffsetMs(id, 20_000);
      expect(offset).toBe(jitterOffsetMs(id, 20_000));
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(20_000);
    }
    expect(jitterOffsetMs(ids[0] as string, 0)).toBe(0);
  });

  it('spread ticks over the whole window', () => {
    const tenths = new Array<number>(10).fill(0);
    for (const id of ids) tenths[Math.floor(jitterOffsetMs(id, 20_000) / 2_000)]! += 1;
    // 100 expected in each tenth of the window; a hash that clumps would miss this.
    for (const count of tenths) expect(count).toBeGreaterThan(60);
  });
});

describe('role queues', () => {
  it('name the role set and split back to the job queue', () => {
    expect(roleQueueName('default', ['web', 'reports'])).toBe('default%reports+web');
    expect(splitHostQueue('default%reports+web')).toEqual({
      base: 'default',
      roles: ['reports', 'web'],
    });
    expect(splitHostQueue('default@web-1')).toEqual({ base: 'default', host: 'web-1' });
    expect(splitHostQueue('default')).toEqual({ base: 'default' });
  });
});

describe('schedule lag', () => {
  it('is measured from the jittered start, not the tick', () => {
    const bus = new JobsEventBus();
    const runs = new RunMetrics();
    recordEvents(bus, { runs, isKnownJob: () => true });
    const ref = { queue: 'default', name: 'report', id: 'repeat:report:1000', attempt: 1 };
    bus.emit('job:started', { ...ref, scheduledAt: 1_000, jitterMs: 9_000, startedAt: 10_250 });
    const sum = /jobs_schedule_lag_seconds_sum\{[^}]*\} ([\d.]+)/.exec(runs.render());
    expect(Number(sum?.[1])).toBeCloseTo(0.25, 3);
  });
});
