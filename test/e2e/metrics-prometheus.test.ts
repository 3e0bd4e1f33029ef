import path from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix, writeProject } from '../helpers/cli.js';
import { RECORDING_HANDLER } from '../helpers/fixtures.js';
import {
  eventually,
  httpGet,
  parseSamples,
  startMetricsDaemon,
  valueOf,
} from '../helpers/metrics.js';
import { PrometheusServer } from '../helpers/prometheus-server.js';
import { freePort } from '../helpers/redis-server.js';

const redisUrl = inject('redisUrl');
const RUNS = 5;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a real Prometheus scraping the daemon', () => {
  it('stores jobs_runs_total with the number of runs', async () => {
    const prefix = uniquePrefix();
    const dir = writeProject({
      'jobs.yaml': 'jobs:\n  report:\n    module: ./record.js\n',
      'record.js': RECORDING_HANDLER,
    });
    const { daemon, url } = await startMetricsDaemon({
      dir,
      args: ['--workers', '1'],
      env: {
        REDIS_URL: redisUrl,
        JOBS_PREFIX: prefix,
        RUNS_FILE: path.join(dir, 'runs.jsonl'),
      },
    });
    cleanups.push(() => daemon.stop());

    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    for (let i = 0; i < RUNS; i++) await queue.add('report', {});
    await queue.close();
    await eventually('the runs to finish', async () => {
      const samples = parseSamples((await httpGet(`${url}/metrics`)).text);
      const done = valueOf(samples, 'jobs_runs_total', { job_name: 'report', status: 'completed' });
      return done === RUNS ? true : undefined;
    });

    // No Supervisor-run worker here: a port nothing listens on stands in for one.
    const prometheus = await PrometheusServer.start({
      'jobs-daemon': [new URL(url).host],
      'jobs-workers': [`127.0.0.1:${await freePort()}`],
    });
    cleanups.push(() => prometheus.stop());

    const stored = await eventually(
      'Prometheus to scrape the daemon',
      async () => {
        const result = await prometheus.query(
          'jobs_runs_total{job="jobs-daemon", job_name="report", status="completed"}',
        );
        return result.length > 0 ? result : undefined;
      },
      30_000,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]?.metric).toMatchObject({
      job: 'jobs-daemon',
      instance: new URL(url).host,
      queue: 'default',
      job_name: 'report',
      status: 'completed',
    });
    expect(Number(stored[0]?.value[1])).toBe(RUNS);
    // The way the docs sum across daemons gives the same number with one daemon.
    const summed = await prometheus.query(
      'sum by (job_name) (jobs_runs_total{job_name="report", status="completed"})',
    );
    expect(Number(summed[0]?.value[1])).toBe(RUNS);
    const up = await prometheus.query('up{job="jobs-daemon"}');
    expect(Number(up[0]?.value[1])).toBe(1);
  });
});
