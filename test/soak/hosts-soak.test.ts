import { expect, inject, it } from 'vitest';
import { runManyHostsScenario } from '../helpers/hosts-scenario.js';

/**
 * The long run of the many-daemons scenario, by hand only (it takes minutes):
 *   JOBS_SOAK_MINUTES=10 JOBS_SOAK_JOBS=100 npx vitest run test/soak
 * vitest.config.ts includes test/soak only when JOBS_SOAK_MINUTES is set.
 */
const minutes = Number(process.env.JOBS_SOAK_MINUTES ?? '10');
const jobs = Number(process.env.JOBS_SOAK_JOBS ?? '100');
const redisUrl = inject('redisUrl');

it(
  `soak: 3 daemons, ${jobs} every-second schedules, ${minutes} min, a crash and a re-sync`,
  async () => {
    const counts = await runManyHostsScenario({
      redisEnv: { REDIS_URL: redisUrl },
      jobs,
      seconds: minutes * 60,
    });
    console.log(`soak ${minutes} min, ${jobs} schedules: ${JSON.stringify(counts)}`);
    expect(counts.jobs).toBe(jobs);
    expect(counts.duplicated).toEqual([]);
    expect(counts.runs).toBe(counts.ticks);
  },
  (minutes * 60 + 120) * 1000,
);
