import { TestRedis } from '../test/helpers/redis-server.js';
import { bareBullmq, daemon } from './throughput.js';

/**
 * `npm run bench`: every figure is measured beside its baseline in this one run, on one
 * private redis-server, and reported as a ratio: this machine is shared and noisy, so
 * absolute numbers alone mean little. The last line is JSON with every figure.
 */

const figures: Record<string, number> = {};

function report(label: string, ours: number, baseline: number, goal: number): void {
  const ratio = ours / baseline;
  figures[`${label}.daemon_jobs_per_s`] = Math.round(ours);
  figures[`${label}.bullmq_jobs_per_s`] = Math.round(baseline);
  figures[`${label}.ratio`] = Number(ratio.toFixed(3));
  const verdict = ratio >= goal ? 'meets' : 'below';
  console.log(
    `${label.padEnd(28)} daemon ${ours.toFixed(0).padStart(6)} jobs/s  bare BullMQ ${baseline.toFixed(0).padStart(6)} jobs/s  ratio ${ratio.toFixed(2)} (${verdict} goal ${goal.toFixed(1)}x)`,
  );
}

async function main(): Promise<void> {
  const redis = await TestRedis.start();
  try {
    console.log(`redis-server on port ${redis.port}; no-op module jobs\n`);
    const highJobs = Number(process.env.BENCH_JOBS ?? 20_000);
    const lowJobs = Math.round(highJobs / 10);
    // Interleave the two sides and keep each side's best of three: the machine's load
    // changes from minute to minute, and this way both sides see the same weather.
    const pair = async (ours: () => Promise<number>, bare: () => Promise<number>) => {
      let best = { ours: 0, bare: 0 };
      for (let round = 0; round < 3; round++) {
        const bareRate = await bare();
        const ourRate = await ours();
        best = { ours: Math.max(best.ours, ourRate), bare: Math.max(best.bare, bareRate) };
      }
      return best;
    };
    const high = await pair(
      () => daemon(redis.url, highJobs, 2, 50),
      () => bareBullmq(redis.url, highJobs, 100),
    );
    report('throughput c=50x2 vs c=100', high.ours, high.bare, 1.0);
    const low = await pair(
      () => daemon(redis.url, lowJobs, 1, 1),
      () => bareBullmq(redis.url, lowJobs, 1),
    );
    report('throughput c=1', low.ours, low.bare, 0.9);
  } finally {
    await redis.destroy();
  }
  console.log(JSON.stringify(figures));
}

await main();
