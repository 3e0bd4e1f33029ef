import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CLI, uniquePrefix } from '../test/helpers/cli.js';

/**
 * No-op jobs through `jobs start` against a bare BullMQ Worker on the same Redis, in the
 * same run. Both get identical jobs (same options), pre-enqueued; the rate is taken from
 * the completed set's finish times (first to last), so process start-up is not counted.
 */

const QUEUE = 'bench';

export interface ThroughputCase {
  label: string;
  jobs: number;
  workers: number;
  concurrency: number;
}

async function fill(redisUrl: string, prefix: string, jobs: number): Promise<void> {
  const queue = new Queue(QUEUE, { connection: { url: redisUrl }, prefix });
  for (let i = 0; i < jobs; i += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, jobs - i) }, () => ({
      name: 'noop',
      data: {},
    }));
    await queue.addBulk(batch);
  }
  await queue.close();
}

/** Jobs per second from the completed set's first and last finish times, once all are done. */
async function measure(redisUrl: string, prefix: string, jobs: number): Promise<number> {
  const client = new Redis(redisUrl);
  const key = `${prefix}:${QUEUE}:completed`;
  try {
    const deadline = Date.now() + 300_000;
    while ((await client.zcard(key)) < jobs) {
      if (Date.now() > deadline)
        throw new Error(`only ${await client.zcard(key)} of ${jobs} jobs completed in 300s`);
      await sleep(100);
    }
    const first = Number((await client.zrange(key, '0', '0', 'WITHSCORES'))[1]);
    const last = Number((await client.zrange(key, '-1', '-1', 'WITHSCORES'))[1]);
    return ((jobs - 1) * 1000) / Math.max(1, last - first);
  } finally {
    client.disconnect();
  }
}

export async function bareBullmq(
  redisUrl: string,
  jobs: number,
  concurrency: number,
): Promise<number> {
  const prefix = uniquePrefix();
  await fill(redisUrl, prefix, jobs);
  const script = fileURLToPath(new URL('./bare-worker.js', import.meta.url));
  return measureProcess(
    redisUrl,
    prefix,
    jobs,
    spawn(process.execPath, [script, redisUrl, prefix, QUEUE, String(concurrency)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
}

/** Measures while `child` works the queue, then stops it with SIGTERM. */
async function measureProcess(
  redisUrl: string,
  prefix: string,
  jobs: number,
  child: ChildProcess,
): Promise<number> {
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`the measured process exited with code ${code} during the benchmark`)),
    ),
  );
  try {
    return await Promise.race([measure(redisUrl, prefix, jobs), died]);
  } finally {
    died.catch(() => undefined);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

export async function daemon(
  redisUrl: string,
  jobs: number,
  workers: number,
  concurrency: number,
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-'));
  writeFileSync(
    path.join(dir, 'noop.js'),
    'export default async function noop() { return null; }\n',
  );
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `jobs:\n  noop:\n    queue: ${QUEUE}\n    module: ./noop.js\n`,
  );
  await fill(redisUrl, prefix, jobs);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--config',
      path.join(dir, 'jobs.yaml'),
      '--workers',
      String(workers),
      '--concurrency',
      String(concurrency),
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        JOBS_PREFIX: prefix,
        JOBS_METRICS_ADDR: 'off',
        JOBS_LOG_FORMAT: 'json',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return measureProcess(redisUrl, prefix, jobs, child);
}
