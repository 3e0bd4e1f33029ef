import { defineConfig } from 'vitest/config';

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
    // Subprocess tests start daemons and redis-servers; on a 2-core machine running
    // many files at once makes timing-sensitive scheduling tests flaky.
    fileParallelism: false,
  },
});
