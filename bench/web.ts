import { request } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { CliProcess, uniquePrefix } from '../test/helpers/cli.js';
import { TestRedis } from '../test/helpers/redis-server.js';
import { fillFailed } from './cli.js';

/**
 * `npm run bench:web`: the admin page's server with 1,000 definitions and 100,000 failed
 * runs in Redis. Median time of GET /api/jobs, /api/failed and / over 50 requests each
 * (measured at the client on loopback: the server's time plus a loopback round trip),
 * the bytes on the wire (gzip, as a browser asks), and the daemon's idle RSS with
 * JOBS_WEB on and off. Goals: ≤ 100 ms median, ≤ 200 KB per page, ≤ +15 MB RSS.
 */
const DEFINITIONS = 1_000;
const REQUESTS = 50;
const CLI = path.resolve('dist/cli/main.js');

async function main(): Promise<void> {
  const redis = await TestRedis.start();
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-web-'));
    writeFileSync(path.join(dir, 'jobs.yaml'), definitions());
    const prefix = uniquePrefix();
    const env = { REDIS_URL: redis.url, JOBS_PREFIX: prefix };

    // Idle RSS on a small project: with 1,000 definitions the first sync's garbage makes
    // RSS swing by ±20 MB from run to run, which hides a difference of a few MB.
    const small = mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-web-small-'));
    writeFileSync(path.join(small, 'jobs.yaml'), 'jobs:\n  hello:\n    command: ["true"]\n');
    const rss = await idleRss(small, { ...env, JOBS_PREFIX: uniquePrefix() });
    console.log(
      `daemon idle RSS (median of ${RSS_ROUNDS} alternating starts): JOBS_WEB=off ${rss.off.toFixed(1)} MB, on ${rss.on.toFixed(1)} MB, +${(rss.on - rss.off).toFixed(1)} MB (goal ≤ +15 MB)`,
    );

    const started = Date.now();
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const queue = new Queue('default', { connection, prefix });
    await fillFailed(queue, connection, prefix);
    await queue.close();
    console.log(`filled 100000 failed runs in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const daemon = start(dir, env);
    const line = await daemon.waitFor((l) => l.msg === 'admin page listening', 60_000);
    await daemon.waitFor((l) => l.msg === 'daemon started', 60_000);
    const base = String(line.url).replace(/\/$/, '');
    const figures: Record<string, number> = { rssOffMb: rss.off, rssOnMb: rss.on };
    for (const [label, url] of [
      ['GET /api/jobs?limit=100', `${base}/api/jobs?limit=100`],
      ['GET /api/jobs?q=0999', `${base}/api/jobs?q=0999`],
      ['GET /api/failed?limit=50', `${base}/api/failed?limit=50`],
      ['GET /api/failed?offset=5000', `${base}/api/failed?offset=5000&limit=50`],
      ['GET /', `${base}/`],
    ] as const) {
      const result = await measure(url);
      console.log(
        `${label.padEnd(28)} median ${result.medianMs.toFixed(1).padStart(6)} ms  max ${result.maxMs.toFixed(1).padStart(6)} ms  ${(result.wireBytes / 1024).toFixed(1)} KB on the wire (${(result.bodyBytes / 1024).toFixed(1)} KB JSON/HTML)`,
      );
      figures[`${label}.medianMs`] = Number(result.medianMs.toFixed(1));
      figures[`${label}.wireKB`] = Number((result.wireBytes / 1024).toFixed(1));
    }
    figures.rssAfterRequestsMb = rssMb(daemon.pid);
    console.log(`daemon RSS after the requests: ${figures.rssAfterRequestsMb.toFixed(1)} MB`);
    await daemon.stop();
    console.log(JSON.stringify(figures));
  } finally {
    await redis.destroy();
  }
}

/** 1,000 jobs: daily crons at spread times, hourly intervals, and on-demand ones. */
function definitions(): string {
  const lines = ['jobs:'];
  for (let i = 0; i < DEFINITIONS; i++) {
    const name = `job-${String(i).padStart(4, '0')}`;
    const kind = i % 3;
    lines.push(`  ${name}:`, `    description: bench job ${i}`);
    if (kind === 0) lines.push(`    schedule: "${i % 60} ${i % 24} * * *"`);
    if (kind === 1) lines.push('    every: 1h', '    delay: 1h');
    lines.push(`    command: ["echo", "${name}"]`);
  }
  return `${lines.join('\n')}\n`;
}

function start(dir: string, env: NodeJS.ProcessEnv): CliProcess {
  return CliProcess.start(
    [
      'start',
      '--config',
      path.join(dir, 'jobs.yaml'),
      '--workers',
      '0',
      '--metrics-addr',
      '127.0.0.1:0',
    ],
    { cwd: dir, cli: CLI, env: { ...env, JOBS_METRICS_ADDR: '127.0.0.1:0' } },
  );
}

const RSS_ROUNDS = 3;

/** The daemon's RSS 4 s after start, off and on alternately, RSS_ROUNDS times each: medians. */
async function idleRss(dir: string, env: NodeJS.ProcessEnv): Promise<{ off: number; on: number }> {
  const samples: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let round = 0; round < RSS_ROUNDS; round++) {
    for (const web of ['off', 'on'] as const) {
      const daemon = start(dir, { ...env, JOBS_WEB: web });
      await daemon.waitFor((l) => l.msg === 'daemon started', 60_000);
      await sleep(4_000);
      samples[web].push(rssMb(daemon.pid));
      await daemon.stop();
    }
  }
  const median = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return { off: median(samples.off), on: median(samples.on) };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) / 1024;
}

/** REQUESTS GETs one after the other, as a browser asks (gzip): times and sizes. */
async function measure(
  url: string,
): Promise<{ medianMs: number; maxMs: number; wireBytes: number; bodyBytes: number }> {
  const times: number[] = [];
  let wireBytes = 0;
  for (let i = 0; i < REQUESTS + 2; i++) {
    const startedAt = process.hrtime.bigint();
    const bytes = await get(url);
    const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
    if (i >= 2) times.push(ms); // two warm-up requests: lazy imports, first Redis reads
    wireBytes = bytes;
  }
  const plain = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
  const bodyBytes = (await plain.arrayBuffer()).byteLength;
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)] as number,
    maxMs: times[times.length - 1] as number,
    wireBytes,
    bodyBytes,
  };
}

/** The body's size as sent (compressed), headers excluded. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'Accept-Encoding': 'gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () =>
        response.statusCode === 200
          ? resolve(bytes)
          : reject(new Error(`${url}: HTTP ${response.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

await main();
process.exit(0);
