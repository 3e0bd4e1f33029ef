import { mkdtempSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CliProcess, uniquePrefix } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/redis-server.js';

/**
 * Metrics figures for `npm run bench`, each measured beside its baseline in one run:
 * - scrape time of a daemon with 1,000 jobs defined over 20 queues, every job having run
 *   once (so every series a real board reads exists), with a fresh Redis read each time
 *   and from the 1s cache (goal ≤ 50 ms);
 * - throughput of no-op jobs through `jobs start` with metrics on (scraped every second)
 *   and off, alternated, median of each (goal ≤ 5% cost).
 */

const SCRAPE_JOBS = 1_000;
const SCRAPE_QUEUES = 20;
const SCRAPES = 15;
const THROUGHPUT_JOBS = Number(process.env.BENCH_METRICS_JOBS ?? 4_000);
const THROUGHPUT_ROUNDS = 5;
const NOOP = 'export default async function noop() { return null; }\n';

function project(yaml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-metrics-'));
  writeFileSync(path.join(dir, 'noop.js'), NOOP);
  writeFileSync(path.join(dir, 'jobs.yaml'), yaml);
  return dir;
}

/** Logs at warn: a log line per run would cost both sides alike but drown the figures in noise. */
function startDaemon(dir: string, redisUrl: string, prefix: string, args: string[]): CliProcess {
  return CliProcess.start(['start', '--config', path.join(dir, 'jobs.yaml'), ...args], {
    cwd: dir,
    env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, LOG_LEVEL: 'warn' },
  });
}

async function metricsUrl(daemon: CliProcess, port: number): Promise<string> {
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (daemon.child.exitCode !== null) throw new Error(`daemon exited: ${daemon.stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return url;
    if (Date.now() > deadline) throw new Error(`no metrics on ${url} after 60s`);
    await sleep(100);
  }
}

/**
 * One GET /metrics, timed from request to last byte, as Prometheus's scrape duration is.
 * The body is counted, not decoded: turning 3 MB into a JS string is this process's
 * cost, not the daemon's, and on a shared 2-core machine it would be half the figure.
 */
function timedScrape(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(`${url}/metrics`, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => {
        if (response.statusCode !== 200)
          reject(new Error(`scrape answered ${response.statusCode}`));
        else resolve({ ms: performance.now() - started, bytes });
      });
    }).on('error', reject);
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function waitForCompleted(client: Redis, keys: string[], total: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const counts = await Promise.all(keys.map((key) => client.zcard(key)));
    if (counts.reduce((a, b) => a + b, 0) >= total) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${total} runs completed in 300s`);
    await sleep(200);
  }
}

async function benchScrape(redisUrl: string): Promise<Record<string, number>> {
  const prefix = uniquePrefix();
  const lines = ['jobs:'];
  // Every job runs once at once (a new `every` scheduler fires immediately), then hourly.
  for (let i = 0; i < SCRAPE_JOBS; i++) {
    lines.push(`  job-${i}:`, `    every: 1h`, `    queue: queue-${i % SCRAPE_QUEUES}`);
    lines.push(`    module: ./noop.js`);
  }
  const dir = project(`${lines.join('\n')}\n`);
  const port = await freePort();
  const args = ['--workers', '2', '--concurrency', '20', '--metrics-addr', `127.0.0.1:${port}`];
  const daemon = startDaemon(dir, redisUrl, prefix, args);
  const client = new Redis(redisUrl);
  try {
    const started = performance.now();
    const url = await metricsUrl(daemon, port);
    const keys = Array.from({ length: SCRAPE_QUEUES }, (_, q) => `${prefix}:queue-${q}:completed`);
    await waitForCompleted(client, keys, SCRAPE_JOBS);
    const syncAndRunMs = performance.now() - started;
    const cold: number[] = [];
    const warm: number[] = [];
    let bytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      await sleep(1_100); // past the queue-count cache: this scrape reads Redis
      const first = await timedScrape(url);
      cold.push(first.ms);
      bytes = first.bytes;
      warm.push((await timedScrape(url)).ms);
    }
    const figures = {
      'metrics.scrape_cold_ms_median': Number(median(cold).toFixed(1)),
      'metrics.scrape_cold_ms_max': Number(Math.max(...cold).toFixed(1)),
      'metrics.scrape_cached_ms_median': Number(median(warm).toFixed(1)),
      'metrics.scrape_bytes': bytes,
    };
    console.log(
      `scrape, ${SCRAPE_JOBS} jobs over ${SCRAPE_QUEUES} queues (${(bytes / 1024 / 1024).toFixed(1)} MiB): ` +
        `median ${figures['metrics.scrape_cold_ms_median']} ms reading Redis ` +
        `(max ${figures['metrics.scrape_cold_ms_max']} ms), ` +
        `${figures['metrics.scrape_cached_ms_median']} ms cached; goal ≤ 50 ms ` +
        `by the median (${median(cold) <= 50 ? 'met' : 'missed'}); sync and first runs took ${(syncAndRunMs / 1000).toFixed(1)} s`,
    );
    return figures;
  } finally {
    client.disconnect();
    await daemon.stop();
  }
}

/** Jobs per second of one daemon run, from the completed set's first and last finish times. */
async function throughputRound(redisUrl: string, metrics: boolean): Promise<number> {
  const prefix = uniquePrefix();
  const dir = project('jobs:\n  noop:\n    queue: bench\n    module: ./noop.js\n');
  const queue = new Queue('bench', { connection: { url: redisUrl }, prefix });
  for (let i = 0; i < THROUGHPUT_JOBS; i += 1_000) {
    const size = Math.min(1_000, THROUGHPUT_JOBS - i);
    await queue.addBulk(Array.from({ length: size }, () => ({ name: 'noop', data: {} })));
  }
  await queue.close();
  const port = await freePort();
  const address = metrics ? `127.0.0.1:${port}` : 'off';
  const args = ['--workers', '2', '--concurrency', '10', '--metrics-addr', address];
  const daemon = startDaemon(dir, redisUrl, prefix, args);
  const client = new Redis(redisUrl);
  let scraping = true;
  try {
    if (metrics) {
      // Scraped every second, as a busy Prometheus would, while the jobs run.
      const url = await metricsUrl(daemon, port);
      void (async () => {
        while (scraping) {
          await timedScrape(url).catch(() => undefined);
          await sleep(1_000);
        }
      })();
    }
    const key = `${prefix}:bench:completed`;
    await waitForCompleted(client, [key], THROUGHPUT_JOBS);
    const first = Number((await client.zrange(key, '0', '0', 'WITHSCORES'))[1]);
    const last = Number((await client.zrange(key, '-1', '-1', 'WITHSCORES'))[1]);
    return ((THROUGHPUT_JOBS - 1) * 1000) / Math.max(1, last - first);
  } finally {
    scraping = false;
    client.disconnect();
    await daemon.stop();
  }
}

async function benchCost(redisUrl: string): Promise<Record<string, number>> {
  const off: number[] = [];
  const on: number[] = [];
  // Alternated, so the machine's load drifts over both sides alike.
  for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
    off.push(await throughputRound(redisUrl, false));
    on.push(await throughputRound(redisUrl, true));
  }
  const offRate = median(off);
  const onRate = median(on);
  const cost = 1 - onRate / offRate;
  console.log(
    `throughput, ${THROUGHPUT_JOBS} no-op jobs, 2 workers × 10: metrics off ${offRate.toFixed(0)} jobs/s, ` +
      `on ${onRate.toFixed(0)} jobs/s (medians of ${THROUGHPUT_ROUNDS}): cost ${(cost * 100).toFixed(1)}%; ` +
      `goal ≤ 5% (${cost <= 0.05 ? 'met' : 'missed'})`,
  );
  return {
    'metrics.off_jobs_per_s': Math.round(offRate),
    'metrics.on_jobs_per_s': Math.round(onRate),
    'metrics.cost_ratio': Number(cost.toFixed(3)),
  };
}

export async function benchMetrics(redisUrl: string): Promise<Record<string, number>> {
  return { ...(await benchScrape(redisUrl)), ...(await benchCost(redisUrl)) };
}
