import { describe, expect, inject, it } from 'vitest';
import { runManyHostsScenario } from '../helpers/hosts-scenario.js';

const redisUrl = inject('redisUrl');

describe('many daemons on one Redis', () => {
  it('runs every (job, tick) once through a daemon crash and restart and a re-sync of an edited file', async () => {
    const counts = await runManyHostsScenario({
      redisEnv: { REDIS_URL: redisUrl },
      jobs: 20,
      seconds: 60,
    });
    console.log(`3 daemons, 20 every-second schedules, 60 s: ${JSON.stringify(counts)}`);
    expect(counts.jobs).toBe(20);
    expect(counts.duplicated).toEqual([]);
    expect(counts.runs).toBe(counts.ticks);
    // Startup and shutdown take a few of the 60 s; the edited jobs tick every 2 s for half.
    expect(counts.minTicksPerJob).toBeGreaterThanOrEqual(35);
  }, 150_000);
});
