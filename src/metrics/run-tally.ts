import { RUN_STATUSES, type RunSink, type RunStatus } from './run-metrics.js';

/**
 * A forked worker's run metrics since it last sent them to its daemon: counts, the
 * durations and lags observed (seconds), each job's last success. The worker records
 * into it exactly as a daemon records into RunMetrics (metrics/subscribe.ts); the daemon
 * applies what arrives to its own RunMetrics. Sending this instead of one message entry
 * per event costs the worker a number per run instead of an object, and the daemon no
 * event replay (bench, 2 workers × 50: metrics on cost the tree 14 ms of CPU per
 * 1,000 jobs with events relayed).
 */

/** `[queue, job_name, status, runs, durations…]`: one row per series that changed. */
export type TallyRun = [string, string, RunStatus, number, number[]];
/** `[queue, job_name, lags…]`. */
export type TallyLag = [string, string, number[]];

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
    this.run(queue, jobName, status)[4].push(seconds);
  }

  observeLag(queue: string, jobName: string, seconds: number): void {
    const job = this.job(queue, jobName);
    job.lag ??= [queue, jobName, []];
    job.lag[2].push(seconds);
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
    return (job.runs[status] ??= [queue, jobName, status, 0, []]);
  }
}

/**
 * Records a worker's tally in the daemon's run metrics. `label` maps a job name to its
 * label as the daemon's definitions have it (an unknown name to one label).
 */
export function applyTally(data: TallyData, sink: RunSink, label: (name: string) => string): void {
  for (const [queue, name, status, runs, durations] of data.runs) {
    const job = label(name);
    if (runs > 0) sink.countRun(queue, job, status, runs);
    for (const seconds of durations) sink.observeDuration(queue, job, status, seconds);
  }
  for (const [queue, name, lags] of data.lags) {
    const job = label(name);
    for (const seconds of lags) sink.observeLag(queue, job, seconds);
  }
  for (const [name, unixSeconds] of data.lastSuccess) sink.setLastSuccess(label(name), unixSeconds);
}

const isNumbers = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'number');

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
      isNumbers(row[4]),
  );
  const validLags = lags.every(
    (row: unknown[]) =>
      Array.isArray(row) &&
      typeof row[0] === 'string' &&
      typeof row[1] === 'string' &&
      isNumbers(row[2]),
  );
  const validSuccess = lastSuccess.every(
    (row: unknown[]) =>
      Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'number',
  );
  return validRuns && validLags && validSuccess ? (value as TallyData) : undefined;
}
