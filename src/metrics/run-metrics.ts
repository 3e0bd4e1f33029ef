import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The run metrics of SPEC §6: what happened to each run, recorded once, in the process
 * that owns the count (a daemon for its forked workers, or a worker run on its own).
 * The job's label is `job_name`: Prometheus reserves `job` for the scrape job.
 */

/** Run times of background jobs: from a few milliseconds to the default one-hour timeout. */
export const DURATION_BUCKETS = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
]);

/** How late a tick starts: sub-second when healthy, minutes when workers fall behind. */
export const LAG_BUCKETS = Object.freeze([
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
]);

export const RUN_STATUSES = Object.freeze(['completed', 'failed', 'skipped'] as const);
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The `job_name` of a run whose name has no definition: cannot clash with a valid name. */
export const UNKNOWN_JOB_LABEL = '_unknown';

export interface RunMetrics {
  runs: Counter<'queue' | 'job_name' | 'status'>;
  duration: Histogram<'queue' | 'job_name' | 'status'>;
  lag: Histogram<'queue' | 'job_name'>;
  lastSuccess: Gauge<'job_name'>;
}

export function createRunMetrics(registry: Registry): RunMetrics {
  const registers = [registry];
  return {
    runs: new Counter({
      name: 'jobs_runs_total',
      help: 'Finished runs, by queue, job and status (completed, failed, skipped).',
      labelNames: ['queue', 'job_name', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'jobs_duration_seconds',
      help: 'Run time of finished runs, in seconds.',
      labelNames: ['queue', 'job_name', 'status'],
      buckets: [...DURATION_BUCKETS],
      registers,
    }),
    lag: new Histogram({
      name: 'jobs_schedule_lag_seconds',
      help: "Start time of a scheduled run minus its tick's scheduled time, in seconds.",
      labelNames: ['queue', 'job_name'],
      buckets: [...LAG_BUCKETS],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'jobs_last_success_timestamp_seconds',
      help: 'Unix time of the last completed run of each job seen by this process.',
      labelNames: ['job_name'],
      registers,
    }),
  };
}

/**
 * Starts each defined job's run counters at 0, so that the first failure after a
 * restart is an increase Prometheus can see, not a new series it cannot rate.
 */
export function initializeRunCounters(
  metrics: RunMetrics,
  jobs: Iterable<{ name: string; queue: string }>,
): void {
  for (const job of jobs) {
    for (const status of RUN_STATUSES) {
      metrics.runs.inc({ queue: job.queue, job_name: job.name, status }, 0);
    }
  }
}
