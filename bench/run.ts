import { TestRedis } from '../test/helpers/redis-server.js';
import { benchCli } from './cli.js';
import { benchDefinitions } from './definitions.js';
import { benchMetrics } from './metrics.js';
import { benchOutput } from './output.js';
import { benchRestart } from './restart.js';
import { bareBullmq, daemon } from './throughput.js';

/**
 * `npm run bench`: every figure is measured beside its baseline in this one run, on one
 * private redis-server, and reported as a ratio: this machine is shared and noisy, so
 * absolute numbers alone mean little. The last line is JSON with every figure.
 */

const figures: Record<string, number> = {};

/** Prints one comparison and returns its figures, keyed by `label`. */
function compare(
  label: string,
  ours: number,
  baseline: number,
  goal: number,
): Record<string, number> {
  const ratio = ours / baseline;
  const verdict = ratio >= goal ? 'meets' : 'below';
  console.log(
    `${label.padEnd(6)} daemon ${ours.toFixed(0).padStart(6)} jobs/s  bare BullMQ ${baseline.toFixed(0).padStart(6)} jobs/s  ratio ${ratio.toFixed(2)} (${verdict} goal ${goal.toFixed(1)}x)`,
  );
  return {
    [`${label}.daemon_jobs_per_s`]: Math.round(ours),
    [`${label}.bullmq_jobs_per_s`]: Math.round(baseline),
    [`${label}.ratio`]: Number(ratio.toFixed(3)),
  };
}

/** `BENCH_ONLY=metrics,cli` runs some sections; by default every one runs. */
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const wanted = (section: string) => ONLY.size === 0 || ONLY.has(section);

async function section(
  name: string,
  run: (redisUrl: string) => Promise<Record<string, number>>,
): Promise<void> {
  if (!wanted(name)) return;
  // Each section gets a fresh server: the CLI section keeps 100,000 failed jobs around.
  const redis = await TestRedis.start();
  try {
    console.log(`\n== ${name}`);
    for (const [key, value] of Object.entries(await run(redis.url)))
      figures[`${name}.${key}`] = value;
  } finally {
    await redis.destroy();
  }
}

async function main(): Promise<void> {
  await section('throughput', benchThroughput);
  await section('metrics', benchMetrics);
  await section('cli', benchCli);
  // Restart latency (bench/restart.ts): `jobs restart` to every worker replaced.
  await section('restart', benchRestart);
  // 10,000 definitions (bench/definitions.ts) and a 10 MB command output (bench/output.ts).
  await section('definitions', benchDefinitions);
  await section('output', benchOutput);
  console.log(JSON.stringify(figures));
}

/**
 * No-op module jobs through `jobs start` (2 workers x 50) against one bare BullMQ Worker
 * (concurrency 100), then both at concurrency 1. The two sides are interleaved and each
 * keeps its best of three rounds, so both see the same load on this shared machine.
 */
async function benchThroughput(redisUrl: string): Promise<Record<string, number>> {
  console.log('no-op module jobs, pre-enqueued; jobs/s from the completed set');
  const highJobs = Number(process.env.BENCH_JOBS ?? 20_000);
  const lowJobs = Math.round(highJobs / 10);
  const pair = async (ours: () => Promise<number>, bare: () => Promise<number>) => {
    const best = { ours: 0, bare: 0 };
    for (let round = 0; round < 3; round++) {
      best.bare = Math.max(best.bare, await bare());
      best.ours = Math.max(best.ours, await ours());
    }
    return best;
  };
  const high = await pair(
    () => daemon(redisUrl, highJobs, 2, 50),
    () => bareBullmq(redisUrl, highJobs, 100),
  );
  const low = await pair(
    () => daemon(redisUrl, lowJobs, 1, 1),
    () => bareBullmq(redisUrl, lowJobs, 1),
  );
  return {
    ...compare('c=50x2', high.ours, high.bare, 1.0),
    ...compare('c=1', low.ours, low.bare, 0.9),
  };
}

await main();
