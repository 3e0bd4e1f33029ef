import { Queue } from 'bullmq';
import { freePort } from '../test/helpers/redis-server.js';
import { uniquePrefix } from '../test/helpers/cli.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, processTree, rssMb } from './proc.js';
import { startLaunch, stopAll, waitForConsumers, type Launch } from './throughput.js';

/**
 * Idle memory: `jobs start --workers 2` as deployed (metrics served, default settings),
 * once its workers are connected and anything started ahead of time is up, against two
 * bare BullMQ Worker processes. RSS from /proc, summed over each tree (a page shared by
 * two processes counts in both, as `ps` and most dashboards count it).
 * Goal: the daemon's tree ≤ (workers + 1) × 80 MB.
 */

const WORKERS = 2;
/** Past the pool's spare fork delay (1 s) and the first heartbeats. */
const IDLE_MS = 4_000;

async function idleRss(
  redisUrl: string,
  launch: Launch,
): Promise<{ total: number; processes: string[] }> {
  const prefix = uniquePrefix();
  const queue = new Queue('bench', { connection: { url: redisUrl }, prefix });
  const { children, consumers } = startLaunch(launch, redisUrl, prefix);
  try {
    await waitForConsumers(queue, consumers, children);
    await sleep(IDLE_MS);
    const tree = children.flatMap((child) => processTree(child.pid as number));
    const processes = tree.map((pid) => {
      const name = commandLine(pid)
        .replace(/^\S*node\S* /, '')
        .slice(0, 60);
      return `${rssMb([pid]).toFixed(0).padStart(4)} MB  ${name}`;
    });
    return { total: rssMb(tree), processes };
  } finally {
    await stopAll(children);
    await queue.close();
  }
}

export async function benchFootprint(redisUrl: string): Promise<Record<string, number>> {
  const metricsPort = await freePort();
  const ours = await idleRss(redisUrl, {
    kind: 'daemon',
    workers: WORKERS,
    concurrency: 10,
    env: { JOBS_METRICS_ADDR: `127.0.0.1:${metricsPort}` },
  });
  const bare = await idleRss(redisUrl, { kind: 'bare', processes: WORKERS, concurrency: 10 });
  const goal = (WORKERS + 1) * 80;
  console.log(`idle RSS, jobs start --workers ${WORKERS} (metrics on) vs ${WORKERS} bare Workers`);
  for (const line of ours.processes) console.log(`  ${line}`);
  console.log(
    `daemon tree ${ours.total.toFixed(0)} MB (goal ≤ ${goal} MB: ${ours.total <= goal ? 'met' : 'not met'}); bare ${bare.total.toFixed(0)} MB; ratio ${(ours.total / bare.total).toFixed(2)}`,
  );
  return {
    daemon_tree_rss_mb: Math.round(ours.total),
    bullmq_rss_mb: Math.round(bare.total),
    processes: ours.processes.length,
  };
}
