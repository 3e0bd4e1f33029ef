import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { readWorkerEntryArgs, workerEntryArgs } from '../../src/worker/entry-args.js';

const ENV = { JOBS_CONFIG: '/srv/app/jobs.yaml', REDIS_URL: 'redis://127.0.0.1:6379' };

/** The daemon's settings, through a forked worker's arguments, back into settings. */
function roundTrip(flags: Parameters<typeof loadSettings>[0]) {
  const daemon = loadSettings(flags, ENV);
  const args = workerEntryArgs(daemon);
  const worker = loadSettings(readWorkerEntryArgs(args), ENV);
  return { daemon, worker, args };
}

describe("a forked worker's arguments", () => {
  it('carry the definitions file, concurrency, stop timeout and recycling limits', () => {
    const { daemon, worker, args } = roundTrip({
      config: '/etc/jobs/other.yaml',
      concurrency: 7,
      stopTimeout: 45_000,
      maxJobs: 100,
      maxTime: 3_600_000,
      maxMemory: 512,
    });
    expect(args).toEqual([
      '--config',
      '/etc/jobs/other.yaml',
      '--concurrency',
      '7',
      '--stop-timeout-ms',
      '45000',
      '--max-jobs',
      '100',
      '--max-time-ms',
      '3600000',
      '--max-memory-mb',
      '512',
    ]);
    expect(worker.configPath).toBe(daemon.configPath);
    expect(worker.concurrency).toBe(7);
    expect(worker.stopTimeoutMs).toBe(45_000);
    expect(worker.recycle).toEqual({ maxJobs: 100, maxTimeMs: 3_600_000, maxMemoryMb: 512 });
    // The daemon serves its workers' metrics: a forked worker never listens itself.
    expect(worker.metricsAddr).toBe('off');
  });

  it('leave out the limits that are not set, and the worker has none', () => {
    const { daemon, worker, args } = roundTrip({});
    expect(args).not.toContain('--max-jobs');
    expect(worker.recycle).toEqual(daemon.recycle);
    expect(worker.recycle.maxJobs).toBeUndefined();
    expect(worker.concurrency).toBe(daemon.concurrency);
    expect(worker.stopTimeoutMs).toBe(daemon.stopTimeoutMs);
  });

  it('are refused when unknown or not whole numbers', () => {
    expect(() => readWorkerEntryArgs(['--concurrency', 'four'])).toThrow(
      'worker argument --concurrency: not a whole number: four',
    );
    expect(() => readWorkerEntryArgs(['--workers', '2'])).toThrow(/--workers/);
  });
});
