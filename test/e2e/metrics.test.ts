import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { alertRules, dashboardExpressions, metricNamesIn } from '../helpers/deploy-files.js';
import { readRuns, RECORDING_HANDLER } from '../helpers/fixtures.js';
import {
  eventually,
  httpGet,
  parseSamples,
  startMetricsDaemon,
  valueOf,
  type Sample,
} from '../helpers/metrics.js';

const redisUrl = inject('redisUrl');
const GOOD_RUNS = 7;
const BAD_RUNS = 4;

/**
 * One daemon with a pool of 2 workers runs known numbers of succeeding and failing jobs
 * (and a scheduled tick on its own queue, for the lag histogram); its scrape must hold
 * exactly those numbers, whichever worker ran what.
 */
describe('metrics of a daemon with a pool of 2 workers', () => {
  const prefix = uniquePrefix();
  const dir = writeProject({
    'jobs.yaml': [
      'jobs:',
      '  good:',
      '    module: ./record.js',
      '  bad:',
      '    module: ./record.js',
      '  tick:',
      '    every: 1s',
      '    queue: ticks',
      '    module: ./record.js',
      '',
    ].join('\n'),
    'record.js': RECORDING_HANDLER,
  });
  const runsFile = path.join(dir, 'runs.jsonl');
  let daemon: CliProcess;
  let url: string;
  let scrape: Sample[];
  let scrapeText: string;

  beforeAll(async () => {
    ({ daemon, url } = await startMetricsDaemon({
      dir,
      args: ['--workers', '2', '--concurrency', '1'],
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, RUNS_FILE: runsFile },
    }));
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    // Long enough that both workers take some: the counts must add up across the pool.
    for (let i = 0; i < GOOD_RUNS; i++) await queue.add('good', { sleepMs: 150 });
    for (let i = 0; i < BAD_RUNS; i++) await queue.add('bad', { sleepMs: 150, fail: 'boom' });
    await queue.close();
    await eventually('every run to finish', async () => {
      const runs = readRuns(runsFile).filter((run) => run.name !== 'tick');
      const { text } = await httpGet(`${url}/metrics`);
      const samples = parseSamples(text);
      const finished =
        (valueOf(samples, 'jobs_runs_total', { job_name: 'good', status: 'completed' }) ?? 0) +
        (valueOf(samples, 'jobs_runs_total', { job_name: 'bad', status: 'failed' }) ?? 0);
      const lagSeen = valueOf(samples, 'jobs_schedule_lag_seconds_count', { job_name: 'tick' });
      // Queue gauges are read from Redis and cached for a second: they follow shortly.
      const failedKept = valueOf(samples, 'jobs_failed', { queue: 'default' });
      return runs.length === GOOD_RUNS + BAD_RUNS &&
        finished === runs.length &&
        lagSeen &&
        failedKept === BAD_RUNS
        ? true
        : undefined;
    });
    ({ text: scrapeText } = await httpGet(`${url}/metrics`));
    scrape = parseSamples(scrapeText);
  });

  afterAll(async () => {
    expect(await daemon?.stop()).toBe(0);
  });

  it('counts each run exactly once across the pool', () => {
    const pids = new Set(
      readRuns(runsFile)
        .filter((r) => r.name !== 'tick')
        .map((r) => r.pid),
    );
    expect(pids.size).toBe(2);
    const runs = (job_name: string, status: string) =>
      valueOf(scrape, 'jobs_runs_total', { queue: 'default', job_name, status });
    expect(runs('good', 'completed')).toBe(GOOD_RUNS);
    expect(runs('good', 'failed')).toBe(0);
    expect(runs('bad', 'failed')).toBe(BAD_RUNS);
    expect(runs('bad', 'completed')).toBe(0);
    const durations = (job_name: string, status: string) =>
      valueOf(scrape, 'jobs_duration_seconds_count', { job_name, status });
    expect(durations('good', 'completed')).toBe(GOOD_RUNS);
    expect(durations('bad', 'failed')).toBe(BAD_RUNS);
    // Every run slept 150ms: none may land in a bucket below that.
    expect(
      valueOf(scrape, 'jobs_duration_seconds_bucket', {
        job_name: 'good',
        status: 'completed',
        le: '0.1',
      }),
    ).toBe(0);
    expect(valueOf(scrape, 'jobs_failed', { queue: 'default' })).toBe(BAD_RUNS);
    expect(valueOf(scrape, 'jobs_pending', { queue: 'default', state: 'waiting' })).toBe(0);
    expect(valueOf(scrape, 'jobs_active', { queue: 'default' })).toBe(0);
  });

  it('reports the pool, Redis, the schedule and the last success', () => {
    const busy = valueOf(scrape, 'jobs_workers', { state: 'busy' }) ?? NaN;
    const idle = valueOf(scrape, 'jobs_workers', { state: 'idle' }) ?? NaN;
    expect(busy + idle).toBe(2);
    expect(valueOf(scrape, 'jobs_redis_up')).toBe(1);
    expect(valueOf(scrape, 'jobs_expected_interval_seconds', { job_name: 'tick' })).toBe(1);
    expect(valueOf(scrape, 'jobs_expected_interval_seconds', { job_name: 'good' })).toBe(undefined);
    const lastGood = valueOf(scrape, 'jobs_last_success_timestamp_seconds', { job_name: 'good' });
    expect(Math.abs((lastGood ?? 0) - Date.now() / 1000)).toBeLessThan(120);
    expect(valueOf(scrape, 'jobs_last_success_timestamp_seconds', { job_name: 'bad' })).toBe(
      undefined,
    );
    // Default process metrics come along (SPEC §6).
    expect(valueOf(scrape, 'process_start_time_seconds')).toBeGreaterThan(0);
  });

  it('passes promtool check metrics', () => {
    const output = execFileSync('promtool', ['check', 'metrics'], {
      input: scrapeText,
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('');
  });

  it('has every metric the dashboard and the alerts query', () => {
    const scraped = new Set(scrape.map((sample) => sample.name));
    const queried = [...dashboardExpressions(), ...alertRules().map((rule) => rule.expr)].flatMap(
      metricNamesIn,
    );
    expect(queried.length).toBeGreaterThan(10);
    const missing = [...new Set(queried)].filter((name) => !scraped.has(name));
    expect(missing).toEqual([]);
  });

  it('keeps totals when the workers restart', async () => {
    daemon.signal('SIGHUP');
    const after = await eventually('both workers to restart', async () => {
      const samples = parseSamples((await httpGet(`${url}/metrics`)).text);
      const restarts = valueOf(samples, 'jobs_worker_restarts_total', { reason: 'restart' });
      const live =
        (valueOf(samples, 'jobs_workers', { state: 'busy' }) ?? 0) +
        (valueOf(samples, 'jobs_workers', { state: 'idle' }) ?? 0);
      return restarts === 2 && live === 2 ? samples : undefined;
    });
    expect(valueOf(after, 'jobs_runs_total', { job_name: 'good', status: 'completed' })).toBe(
      GOOD_RUNS,
    );
    expect(valueOf(after, 'jobs_runs_total', { job_name: 'bad', status: 'failed' })).toBe(BAD_RUNS);
    expect(valueOf(after, 'jobs_worker_restarts_total', { reason: 'crash' })).toBe(0);
  });
});
