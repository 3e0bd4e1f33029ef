import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer.js';

export default defineConfig({
  test: {
    // test/soak holds long runs taken by hand: JOBS_SOAK_MINUTES=10 npx vitest run test/soak
    include: process.env.JOBS_SOAK_MINUTES
      ? ['test/soak/**/*.test.ts']
      : ['test/{e2e,integration,unit}/**/*.test.ts'],
    // build-dist first: the e2e tests run dist/cli/main.js, rebuilt here when src/ is newer.
    globalSetup: ['test/setup/build-dist.ts', 'test/setup/global-redis.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Four files at a time. Each file has its own key prefix, ports and redis-servers (the
    // shared one is never stopped or reconfigured), and the tests wait on conditions with
    // deadlines instead of fixed sleeps, so files overlap safely; most of a file's time
    // is waiting on daemons and ticks. On 2 cores: about 600 s one file at a time, 190 to
    // 260 s four at a time.
    fileParallelism: true,
    maxWorkers: 4,
    // Longest files first (test/durations.json on a clone with no Vitest cache).
    sequence: { sequencer: LongestFirst },
    reporters: process.env.JOBS_TEST_DURATIONS
      ? ['default', './test/setup/durations-reporter.ts']
      : ['default'],
  },
});
