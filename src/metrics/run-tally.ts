import {
  bucketIndex,
  DURATION_BUCKETS,
  LAG_BUCKETS,
  RUN_STATUSES,
  type RunMetrics,
  type RunSink,
  type RunStatus,
} from './run-metrics.js';

/**
 * A forked worker's run metrics since it last sent them to its daemon: counts, the
 * durations and lags observed, counted per histogram bucket with their sum (seconds),
 * each job's last success. A message's size is then bounded by the jobs that ran, not
 * by how many runs they had. The worker records
 * into it exactly as a daemon records into RunMetrics (metrics/subscribe.ts); the daemon
 * applies what arrives to its own RunMetrics. Sending this instead of one message entry
 * per event costs the worker a number per run instead of an object, and the daemon no
 * event replay (bench, 2 workers × 50: metrics on cost the tree 14 ms of CPU per
 * 1,000 jobs with events relayed).
 */

/**
 * `[queue, job_name, status, runs, counts per DURATION_BUCKETS bucket (+Inf last), sum]`:
 * one row per series that changed.
 */
export type TallyRun = [string, string, RunStatus, number, number[], number];
/** `[queue, job_name, counts per LAG_BUCKETS bucket (+Inf last), sum]`. */
export type TallyLag = [string, string, number[], number];

export interface TallyData {
  runs: TallyRun[];
  lags: TallyLag[];
  /** `[job_name, unix seconds]`. */
  lastSuccess: [string, number][];
}

interface JobTally {
  runs: Partial<Record<RunStatus, TallyRun>>;
  lag?: TallyLag;
}

export class RunTally implements RunSink {
  /** queue → job name → rows: nested, so that recording a run builds no key string. */
  private queues = new Map<string, Map<string, JobTally>>();
  private lastSuccess = new Map<string, number>();
  private empty = true;

  /** `onFirst` is told when a tally that was empty gets its first record. */
  constructor(private readonly onFirst: () => void) {}

  countRun(queue: string, jobName: string, status: RunStatus, by = 1): void {
    this.run(queue, jobName, status)[3] += by;
  }

  observeDuration(queue: string, jobName: string, status: RunStatus, seconds: number): void {
    const row = this.run(queue, jobName, status);
    const index = bucketIndex(DURATION_BUCKETS, seconds);
    row[4][index] = (row[4][index] ?? 0) + 1;
    row[5] += seconds;
  }

  observeLag(queue: string, jobName: string, seconds: number): void {
    const job = this.job(queue, jobName);
    job.lag ??= [queue, jobName, emptyCounts(LAG_BUCKETS), 0];
    const index = bucketIndex(LAG_BUCKETS, seconds);
    job.lag[2][index] = (job.lag[2][index] ?? 0) + 1;
    job.lag[3] += seconds;
  }

  setLastSuccess(jobName: string, unixSeconds: number): void {
    this.touch();
    this.lastSuccess.set(jobName, unixSeconds);
  }

  /** What was recorded since the last take, or undefined if nothing was; starts afresh. */
  take(): TallyData | undefined {
    if (this.empty) return undefined;
    const data: TallyData = { runs: [], lags: [], lastSuccess: [...this.lastSuccess] };
    for (const jobs of this.queues.values()) {
      for (const job of jobs.values()) {
        for (const status of RUN_STATUSES) {
          const row = job.runs[status];
          if (row) data.runs.push(row);
        }
        if (job.lag) data.lags.push(job.lag);
      }
    }
    this.queues = new Map();
    this.lastSuccess = new Map();
    this.empty = true;
    return data;
  }

  private touch(): void {
    if (!this.empty) return;
    this.empty = false;
    this.onFirst();
  }

  private job(queue: string, jobName: string): JobTally {
    this.touch();
    let jobs = this.queues.get(queue);
    if (!jobs) {
      jobs = new Map();
      this.queues.set(queue, jobs);
    }
    let job = jobs.get(jobName);
    if (!job) {
      job = { runs: {} };
      jobs.set(jobName, job);
    }
    return job;
  }

  private run(queue: string, jobName: string, status: RunStatus): TallyRun {
    const job = this.job(queue, jobName);
    return (job.runs[status] ??= [queue, jobName, status, 0, emptyCounts(DURATION_BUCKETS), 0]);
  }
}

const emptyCounts = (bounds: readonly number[]) => new Array<number>(bounds.length + 1).fill(0);

/** The part of RunMetrics a tally is added to. */
export type TallySink = Pick<
  RunMetrics,
  'countRun' | 'addDurations' | 'addLags' | 'setLastSuccess'
>;

/**
 * Records a worker's tally in the daemon's run metrics. `label` maps a job name to its
 * label as the daemon's definitions have it (an unknown name to one label).
 */
export function applyTally(
  data: TallyData,
  sink: TallySink,
  label: (name: string) => string,
): void {
  for (const [queue, name, status, runs, counts, sum] of data.runs) {
    const job = label(name);
    if (runs > 0) sink.countRun(queue, job, status, runs);
    if (counts.some((count) => count > 0)) sink.addDurations(queue, job, status, counts, sum);
  }
  for (const [queue, name, counts, sum] of data.lags) sink.addLags(queue, label(name), counts, sum);
  for (const [name, unixSeconds] of data.lastSuccess) sink.setLastSuccess(label(name), unixSeconds);
}

/** Bucket counts of a histogram with `bounds`: one whole number ≥ 0 per bucket, +Inf too. */
const isCounts = (value: unknown, bounds: readonly number[]): value is number[] =>
  Array.isArray(value) &&
  value.length === bounds.length + 1 &&
  value.every((item) => Number.isInteger(item) && item >= 0);

/** The tally in whatever a child sent, or undefined if it is not one. */
export function readTally(value: unknown): TallyData | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { runs, lags, lastSuccess } = value as Partial<TallyData>;
  if (!Array.isArray(runs) || !Array.isArray(lags) || !Array.isArray(lastSuccess)) return undefined;
  const validRuns = runs.every(
    (row: unknown[]) =>
      Array.isArray(row) &&
      typeof row[0] === 'string' &&
      typeof row[1] === 'string' &&
      RUN_STATUSES.includes(row[2] as RunStatus) &&
      typeof row[3] === 'number' &&
      isCounts(row[4], DURATION_BUCKETS) &&
      typeof row[5] === 'number',
  );
  const validLags = lags.every(
    (row: unknown[]) =>
      Array.isArray(row) &&
      typeof row[0] === 'string' &&
      typeof row[1] === 'string' &&
      isCounts(row[2], LAG_BUCKETS) &&
      typeof row[3] === 'number',
  );
  const validSuccess = lastSuccess.every(
    (row: unknown[]) =>
      Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'number',
  );
  return validRuns && validLags && validSuccess ? (value as TallyData) : undefined;
}
