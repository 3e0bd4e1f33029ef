import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-redis.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Subprocess tests start daemons and redis-servers; on a 2-core machine running
    // many files at once makes timing-sensitive scheduling tests flaky.
    fileParallelism: false,
  },
});
