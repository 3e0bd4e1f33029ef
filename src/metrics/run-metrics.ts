/**
 * The run metrics of SPEC §6: what happened to each run, recorded once, in the process
 * that owns the count (a daemon for its forked workers, or a worker run on its own).
 * The job's label is `job_name`: Prometheus reserves `job` for the scrape job.
 *
 * These are series per job, so with a thousand jobs they are some 40,000 lines a scrape.
 * prom-client builds an object per bucket line and formats labels anew each scrape,
 * about 100 ms for that many. Here each series keeps its label text, and a histogram
 * keeps its rendered lines until its next observation: between two scrapes few jobs
 * run, so a scrape mostly joins text it already has. Everything else is prom-client's.
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

interface Series {
  /** `queue="a",job_name="b"`: escaped once, when the series first appears. */
  labels: string;
  value: number;
}

class HistogramSeries {
  /** Observations per bucket, not cumulative; the last is +Inf. */
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  /** The series' lines as last rendered; dropped by the next observation. */
  private text: string | undefined;

  constructor(
    private readonly name: string,
    private readonly labels: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const index = bucketIndex(this.bounds, value);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sum += value;
    this.count++;
    this.text = undefined;
  }

  /** Observations counted elsewhere (a forked worker's tally), bucket by bucket. */
  add(counts: readonly number[], sum: number): void {
    for (let i = 0; i < this.counts.length; i++) {
      const count = counts[i] ?? 0;
      this.counts[i] = (this.counts[i] ?? 0) + count;
      this.count += count;
    }
    this.sum += sum;
    this.text = undefined;
  }

  render(): string {
    if (this.text !== undefined) return this.text;
    const { name, labels } = this;
    const lines: string[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += this.counts[i] ?? 0;
      const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
      lines.push(`${name}_bucket{${labels},le="${le}"} ${cumulative}`);
    }
    lines.push(`${name}_sum{${labels}} ${this.sum}`, `${name}_count{${labels}} ${this.count}`);
    this.text = lines.join('\n');
    return this.text;
  }
}

/** The bucket of `value` among `bounds` (upper bounds, ascending); bounds.length for +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i++) if (value <= (bounds[i] as number)) return i;
  return bounds.length;
}

/** Where run outcomes are recorded: RunMetrics, or a forked worker's RunTally for its daemon. */
export interface RunSink {
  countRun(queue: string, jobName: string, status: RunStatus, by?: number): void;
  observeDuration(queue: string, jobName: string, status: RunStatus, seconds: number): void;
  observeLag(queue: string, jobName: string, seconds: number): void;
  setLastSuccess(jobName: string, unixSeconds: number): void;
}

export class RunMetrics implements RunSink {
  private readonly runs = new Map<string, Series>();
  private readonly durations = new Map<string, HistogramSeries>();
  private readonly lags = new Map<string, HistogramSeries>();
  private readonly lastSuccess = new Map<string, Series>();

  countRun(queue: string, jobName: string, status: RunStatus, by = 1): void {
    const key = `${queue}\0${jobName}\0${status}`;
    let series = this.runs.get(key);
    if (!series) {
      series = { labels: labelText({ queue, job_name: jobName, status }), value: 0 };
      this.runs.set(key, series);
    }
    series.value += by;
  }

  observeDuration(queue: string, jobName: string, status: RunStatus, seconds: number): void {
    this.durationSeries(queue, jobName, status).observe(seconds);
  }

  observeLag(queue: string, jobName: string, seconds: number): void {
    this.lagSeries(queue, jobName).observe(seconds);
  }

  /** Durations a forked worker counted per DURATION_BUCKETS bucket (run-tally.ts). */
  addDurations(
    queue: string,
    jobName: string,
    status: RunStatus,
    counts: readonly number[],
    sum: number,
  ): void {
    this.durationSeries(queue, jobName, status).add(counts, sum);
  }

  /** Lags a forked worker counted per LAG_BUCKETS bucket. */
  addLags(queue: string, jobName: string, counts: readonly number[], sum: number): void {
    this.lagSeries(queue, jobName).add(counts, sum);
  }

  private durationSeries(queue: string, jobName: string, status: RunStatus): HistogramSeries {
    const key = `${queue}\0${jobName}\0${status}`;
    let series = this.durations.get(key);
    if (!series) {
      const labels = labelText({ queue, job_name: jobName, status });
      series = new HistogramSeries('jobs_duration_seconds', labels, DURATION_BUCKETS);
      this.durations.set(key, series);
    }
    return series;
  }

  private lagSeries(queue: string, jobName: string): HistogramSeries {
    const key = `${queue}\0${jobName}`;
    let series = this.lags.get(key);
    if (!series) {
      const labels = labelText({ queue, job_name: jobName });
      series = new HistogramSeries('jobs_schedule_lag_seconds', labels, LAG_BUCKETS);
      this.lags.set(key, series);
    }
    return series;
  }

  setLastSuccess(jobName: string, unixSeconds: number): void {
    const series = this.lastSuccess.get(jobName);
    if (series) series.value = unixSeconds;
    else
      this.lastSuccess.set(jobName, {
        labels: labelText({ job_name: jobName }),
        value: unixSeconds,
      });
  }

  /**
   * Starts each defined job's run counters at 0, so that the first failure after a
   * restart is an increase Prometheus can see, not a new series it cannot rate.
   */
  initialize(jobs: Iterable<{ name: string; queue: string }>): void {
    for (const job of jobs) {
      for (const status of RUN_STATUSES) this.countRun(job.queue, job.name, status, 0);
    }
  }

  /** The four metrics in the Prometheus text format, each with its HELP and TYPE. */
  render(): string {
    const lines: string[] = [];
    header(lines, 'jobs_runs_total', 'counter', 'Finished runs, by queue, job and status.');
    for (const s of this.runs.values()) lines.push(`jobs_runs_total{${s.labels}} ${s.value}`);
    header(lines, 'jobs_duration_seconds', 'histogram', 'Run time of finished runs, in seconds.');
    for (const series of this.durations.values()) lines.push(series.render());
    header(
      lines,
      'jobs_schedule_lag_seconds',
      'histogram',
      "Start time of a scheduled run minus its tick's scheduled time, in seconds.",
    );
    for (const series of this.lags.values()) lines.push(series.render());
    header(
      lines,
      'jobs_last_success_timestamp_seconds',
      'gauge',
      'Unix time of the last completed run of each job seen by this process.',
    );
    for (const s of this.lastSuccess.values()) {
      lines.push(`jobs_last_success_timestamp_seconds{${s.labels}} ${s.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function header(lines: string[], name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** Label pairs as the text format writes them, values escaped (backslash, quote, newline). */
function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(
      ([key, value]) =>
        `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}
