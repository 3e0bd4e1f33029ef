import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { CLI, uniquePrefix } from '../test/helpers/cli.js';
import { TestRedis } from '../test/helpers/redis-server.js';
import { percentile } from './proc.js';
import { stopAll } from './throughput.js';

/**
 * Schedule lag of a per-second job: the time its handler starts minus its tick's due time
 * (from the `repeat:<id>:<ms>` job id), through `jobs start` and through a bare BullMQ
 * job scheduler and Worker, each alone on its server (traffic of one would wake Redis for
 * the other). Servers: redis-server with its default `hz 10` (it checks blocking-command
 * timeouts, which is how BullMQ waits for a delayed job, only that often when idle), and
 * the daemon's embedded one (hz 100; bare BullMQ gets a redis-server started alike).
 */

const SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 30);
/** The first ticks include start-up (the scheduler's first job is made at once). */
const WARM_UP_TICKS = 3;

const LAG_MODULE = `import { appendFileSync } from 'node:fs';
export default async function lag(ctx) {
  const startedAt = Date.now();
  const due = Number(ctx.id.slice(ctx.id.lastIndexOf(':') + 1));
  appendFileSync(new URL('./lags.txt', import.meta.url), \`\${startedAt - due}\\n\`);
  return null;
}
`;

interface Lags {
  p50: number;
  p99: number;
  max: number;
  ticks: number;
}

function summarize(text: string): Lags {
  const lags = text.split('\n').filter(Boolean).map(Number).slice(WARM_UP_TICKS);
  if (lags.length === 0) throw new Error('no tick ran');
  return {
    p50: percentile(lags, 0.5),
    p99: percentile(lags, 0.99),
    max: Math.max(...lags),
    ticks: lags.length,
  };
}

/** `jobs start --workers 1` on `redisUrl`, or on its embedded server when undefined. */
async function ours(redisUrl: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<Lags> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-lag-'));
  writeFileSync(path.join(dir, 'lag.js'), LAG_MODULE);
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    'jobs:\n  lag:\n    every: 1s\n    module: ./lag.js\n',
  );
  const { REDIS_URL: _inherited, ...inherited } = process.env;
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--config', path.join(dir, 'jobs.yaml'), '--workers', '1'],
    {
      cwd: dir,
      env: {
        ...inherited,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
        JOBS_PREFIX: uniquePrefix(),
        JOBS_METRICS_ADDR: 'off',
        JOBS_LOG_FORMAT: 'json',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await sleep((SECONDS + WARM_UP_TICKS) * 1000);
  } finally {
    await stopAll([child]);
  }
  const file = path.join(dir, 'lags.txt');
  return summarize(existsSync(file) ? readFileSync(file, 'utf8') : '');
}

/** A bare BullMQ job scheduler (every 1s) and one Worker process at concurrency 1. */
async function bare(redis: TestRedis): Promise<Lags> {
  const prefix = uniquePrefix();
  const queue = new Queue('lag', { connection: { url: redis.url }, prefix });
  const script = fileURLToPath(new URL('./bare-worker.js', import.meta.url));
  const child = spawn(process.execPath, [script, redis.url, prefix, 'lag', '1', 'lag'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    await queue.upsertJobScheduler('bare-lag', { every: 1000 }, { name: 'lag' });
    await sleep((SECONDS + WARM_UP_TICKS) * 1000);
  } finally {
    await stopAll([child]);
    await queue.close();
  }
  return summarize(out);
}

function print(label: string, ourLags: Lags, bareLags: Lags): Record<string, number> {
  const text = (lags: Lags) =>
    `p50 ${String(lags.p50).padStart(3)} ms  p99 ${String(lags.p99).padStart(3)} ms  max ${String(lags.max).padStart(3)} ms (${lags.ticks} ticks)`;
  console.log(`${label.padEnd(9)} daemon  ${text(ourLags)}`);
  console.log(`${''.padEnd(9)} bare    ${text(bareLags)}   goal: daemon p99 ≤ 20 ms`);
  return {
    [`${label}.daemon_p50_ms`]: ourLags.p50,
    [`${label}.daemon_p99_ms`]: ourLags.p99,
    [`${label}.bullmq_p50_ms`]: bareLags.p50,
    [`${label}.bullmq_p99_ms`]: bareLags.p99,
  };
}

/** The lag section: each server kind, our daemon then bare BullMQ. */
export async function benchLag(): Promise<Record<string, number>> {
  console.log(`per-second job, ${SECONDS} ticks each after ${WARM_UP_TICKS} of warm-up`);
  const figures: Record<string, number> = {};
  const hz10 = await TestRedis.start({ hz: 10 });
  try {
    Object.assign(figures, print('hz10', await ours(hz10.url), await bare(hz10)));
  } finally {
    await hz10.destroy();
  }
  const ourEmbedded = await ours(undefined);
  const hz100 = await TestRedis.start();
  try {
    Object.assign(figures, print('embedded', ourEmbedded, await bare(hz100)));
  } finally {
    await hz100.destroy();
  }
  return figures;
}
