import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { RECORDING_HANDLER } from '../helpers/fixtures.js';
import {
  eventually,
  httpGet,
  parseSamples,
  startMetricsDaemon,
  valueOf,
} from '../helpers/metrics.js';
import { TestRedis } from '../helpers/redis-server.js';

const redisUrl = inject('redisUrl');
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function project(): string {
  return writeProject({
    'jobs.yaml': 'jobs:\n  tick:\n    every: 1h\n    module: ./record.js\n',
    'record.js': RECORDING_HANDLER,
  });
}

const statusOf = async (url: string, token?: string) => (await httpGet(url, token)).status;

describe('/readyz', () => {
  it('is 503 while Redis is down and 200 once it is back', async () => {
    const redis = await TestRedis.start();
    cleanups.push(() => redis.destroy());
    const { daemon, url } = await startMetricsDaemon({
      dir: project(),
      args: ['--workers', '0'],
      env: { REDIS_URL: redis.url, JOBS_PREFIX: uniquePrefix() },
    });
    cleanups.push(() => daemon.stop());

    await eventually('ready', async () =>
      (await statusOf(`${url}/readyz`)) === 200 ? 1 : undefined,
    );
    await redis.stop();
    const down = await eventually('not ready', async () => {
      const response = await httpGet(`${url}/readyz`);
      return response.status === 503 ? response.text : undefined;
    });
    expect(down).toContain('Redis is not reachable');
    const scrape = parseSamples((await httpGet(`${url}/metrics`)).text);
    expect(valueOf(scrape, 'jobs_redis_up')).toBe(0);
    // Queue gauges are left out while Redis cannot be read, rather than repeated stale.
    expect(valueOf(scrape, 'jobs_pending', { queue: 'default', state: 'waiting' })).toBe(undefined);
    expect(await statusOf(`${url}/healthz`)).toBe(200);

    await redis.start();
    await eventually(
      'ready again',
      async () => ((await statusOf(`${url}/readyz`)) === 200 ? 1 : undefined),
      30_000,
    );
    const after = parseSamples((await httpGet(`${url}/metrics`)).text);
    expect(valueOf(after, 'jobs_redis_up')).toBe(1);
  });
});

describe('the metrics token', () => {
  it('answers 401 to a missing or wrong token and 200 to the right one', async () => {
    const token = 'correct horse battery staple';
    const { daemon, url } = await startMetricsDaemon({
      dir: project(),
      args: ['--workers', '0'],
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix(), JOBS_METRICS_TOKEN: token },
    });
    cleanups.push(() => daemon.stop());

    expect(await statusOf(`${url}/metrics`)).toBe(401);
    expect(await statusOf(`${url}/metrics`, 'wrong')).toBe(401);
    expect(await statusOf(`${url}/metrics`, `${token}x`)).toBe(401);
    const scrape = await httpGet(`${url}/metrics`, token);
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('jobs_redis_up');
    // Probes carry no credentials and reveal nothing.
    expect(await statusOf(`${url}/healthz`)).toBe(200);
    expect(await statusOf(`${url}/nothing-here`, token)).toBe(404);
  });
});

describe('the metrics address', () => {
  it('exits 78 with one sentence when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const dir = project();
    const result = await runCli(
      ['start', '--config', path.join(dir, 'jobs.yaml'), '--metrics-addr', `127.0.0.1:${port}`],
      { cwd: dir, env: { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix() } },
    );
    expect(result.code).toBe(78);
    expect(result.stderr.trim()).toBe(
      `metrics address 127.0.0.1:${port} is already in use by another process; choose another with --metrics-addr or JOBS_METRICS_ADDR, or set it to off`,
    );
  });
});

describe('jobs work --metrics-addr (a worker run on its own)', () => {
  it('serves its own run counts', async () => {
    const prefix = uniquePrefix();
    const dir = project();
    const worker = CliProcess.start(
      ['work', '--config', path.join(dir, 'jobs.yaml'), '--metrics-addr', '127.0.0.1:0'],
      {
        cwd: dir,
        env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, RUNS_FILE: path.join(dir, 'runs.jsonl') },
      },
    );
    cleanups.push(() => worker.stop());
    const url = String((await worker.waitFor((line) => line.msg === 'metrics listening')).url);
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    for (let i = 0; i < 3; i++) await queue.add('tick', {});
    await queue.add('tick', { fail: 'boom' });
    await queue.close();

    const scrape = await eventually('the runs to be counted', async () => {
      const samples = parseSamples((await httpGet(`${url}/metrics`)).text);
      const failed = valueOf(samples, 'jobs_runs_total', { job_name: 'tick', status: 'failed' });
      return failed === 1 ? samples : undefined;
    });
    expect(valueOf(scrape, 'jobs_runs_total', { job_name: 'tick', status: 'completed' })).toBe(3);
    expect(valueOf(scrape, 'jobs_workers', { state: 'idle' })).toBe(1);
    expect(valueOf(scrape, 'jobs_redis_up')).toBe(1);
    // Queue gauges are a daemon's to report, once, not once per worker process.
    expect(valueOf(scrape, 'jobs_failed', { queue: 'default' })).toBe(undefined);
    expect(await worker.stop()).toBe(0);
  });
});
