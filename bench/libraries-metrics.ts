import { Counter, Histogram, Registry } from 'prom-client';
import {
  DURATION_BUCKETS,
  RUN_STATUSES,
  RunMetrics,
  type RunStatus,
} from '../src/metrics/run-metrics.js';
import { timed, type Trial } from './libraries-measure.js';

/**
 * The run counter and duration histogram two ways: RunMetrics (src/metrics/run-metrics.ts)
 * and prom-client's Counter and Histogram with the same names, help, labels and buckets,
 * fed the same observations. Only these two metrics: the lag histogram and the
 * last-success gauge are more of the same.
 */

const QUEUES = 20;

export interface Observation {
  queue: string;
  jobName: string;
  status: RunStatus;
  seconds: number;
}

/**
 * `count` runs over `jobs` job names × the three statuses: each series once first, so
 * every one exists, then series at random; run times log-uniform from 1 ms to 1,000 s,
 * across the buckets. Seeded: every round and both sides get the same figures.
 */
export function observations(count: number, jobs: number): Observation[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const series = jobs * RUN_STATUSES.length;
  const list: Observation[] = [];
  for (let i = 0; i < count; i++) {
    const index = i < series ? i : Math.floor(random() * series);
    const job = Math.floor(index / RUN_STATUSES.length);
    list.push({
      queue: `queue-${job % QUEUES}`,
      jobName: `job-${job}`,
      status: RUN_STATUSES[index % RUN_STATUSES.length] as RunStatus,
      seconds: 10 ** (-3 + 6 * random()),
    });
  }
  return list;
}

/** What a daemon's recordEvents does for a finished run, into either sink. */
export interface RunsSink {
  record(run: Observation): void;
  render(): Promise<string>;
}

export class OursSink implements RunsSink {
  readonly metrics = new RunMetrics();
  record({ queue, jobName, status, seconds }: Observation): void {
    this.metrics.countRun(queue, jobName, status);
    this.metrics.observeDuration(queue, jobName, status, seconds);
  }
  render(): Promise<string> {
    return Promise.resolve(this.metrics.render());
  }
}

export class PromClientSink implements RunsSink {
  readonly registry = new Registry();
  private readonly runs = new Counter({
    name: 'jobs_runs_total',
    help: 'Finished runs, by queue, job and status.',
    labelNames: ['queue', 'job_name', 'status'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'jobs_duration_seconds',
    help: 'Run time of finished runs, in seconds.',
    labelNames: ['queue', 'job_name', 'status'] as const,
    buckets: [...DURATION_BUCKETS],
    registers: [this.registry],
  });
  record({ queue, jobName, status, seconds }: Observation): void {
    const labels = { queue, job_name: jobName, status };
    this.runs.inc(labels);
    this.durations.observe(labels, seconds);
  }
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

export type Side = 'ours' | 'library';
export const makeSink = (side: Side): RunsSink =>
  side === 'ours' ? new OursSink() : new PromClientSink();

export function recordAll(sink: RunsSink, runs: readonly Observation[]): void {
  for (const run of runs) sink.record(run);
}

/** Recording `runs` into a fresh sink. */
export const recordTrial =
  (side: Side, runs: readonly Observation[]): Trial =>
  () => {
    const sink = makeSink(side);
    return timed(() => recordAll(sink, runs));
  };

/**
 * A scrape of a sink holding `runs`: the first one, or a later one with `between` runs
 * recorded since the last (RunMetrics re-renders only the series those runs touched).
 */
export const renderTrial =
  (side: Side, runs: readonly Observation[], between?: readonly Observation[]): Trial =>
  async () => {
    const sink = makeSink(side);
    recordAll(sink, runs);
    if (between) {
      await sink.render();
      recordAll(sink, between);
    }
    return timed(() => sink.render());
  };

/**
 * The samples of a text exposition, each with its labels sorted (prom-client writes `le`
 * first, RunMetrics last), in sorted order: two renders agree when these are equal.
 */
export function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = (match[2] ?? '').split(/,(?=\w+=")/).sort();
      return `${match[1]}{${labels.join(',')}} ${match[3]}`;
    })
    .sort();
}
