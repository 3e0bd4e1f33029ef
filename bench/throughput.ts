import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CLI, uniquePrefix } from '../test/helpers/cli.js';
import { cpuMs, processTree } from './proc.js';

/**
 * No-op jobs through jobs-daemon against bare BullMQ Workers on the same Redis, in the
 * same run. Both sides get identical jobs, enqueued into a paused queue; the processes
 * start, and once every consumer is connected and settled the queue is resumed. So
 * neither start-up nor filling is counted:
 * - jobs/s from the completed set's finish times (first to last);
 * - CPU time (utime + stime from /proc) the processes spent from the resume to the last
 *   job, per 1,000 jobs: of the whole tree, and of the worker processes alone (a daemon's
 *   children; for the other launches the same figure).
 */

const QUEUE = 'bench';
/** After every consumer is connected: let start-up work (JIT, first heartbeats) finish. */
const SETTLE_MS = 500;
/** Node flags for the measured processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

export type Launch =
  /** `processes` bare BullMQ Worker processes, each at `concurrency`. */
  | { kind: 'bare'; processes: number; concurrency: number }
  /** One `jobs work` process. */
  | { kind: 'work'; concurrency: number; env?: NodeJS.ProcessEnv }
  /** `jobs start --workers N`: the daemon and its forked workers. */
  | { kind: 'daemon'; workers: number; concurrency: number; env?: NodeJS.ProcessEnv };

export interface RunFigures {
  jobsPerS: number;
  /** CPU ms per 1,000 jobs: every process launched, with their descendants. */
  treeCpu: number;
  /** CPU ms per 1,000 jobs of the processes that run jobs (a daemon's children). */
  workerCpu: number;
}

async function fillPaused(redisUrl: string, prefix: string, jobs: number): Promise<Queue> {
  const queue = new Queue(QUEUE, { connection: { url: redisUrl }, prefix });
  await queue.pause();
  for (let i = 0; i < jobs; i += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, jobs - i) }, () => ({
      name: 'noop',
      data: {},
    }));
    await queue.addBulk(batch);
  }
  return queue;
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
      await sleep(20);
    }
    const first = Number((await client.zrange(key, '0', '0', 'WITHSCORES'))[1]);
    const last = Number((await client.zrange(key, '-1', '-1', 'WITHSCORES'))[1]);
    return ((jobs - 1) * 1000) / Math.max(1, last - first);
  } finally {
    client.disconnect();
  }
}

/** A project with one no-op module job, as an application would define it. */
export function noopProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-bench-'));
  writeFileSync(
    path.join(dir, 'noop.js'),
    'export default async function noop() { return null; }\n',
  );
  writeFileSync(
    path.join(dir, 'jobs.yaml'),
    `jobs:\n  noop:\n    queue: ${QUEUE}\n    module: ./noop.js\n`,
  );
  return dir;
}

function ourEnv(redisUrl: string, prefix: string, env: NodeJS.ProcessEnv = {}) {
  return {
    ...process.env,
    REDIS_URL: redisUrl,
    JOBS_PREFIX: prefix,
    JOBS_METRICS_ADDR: 'off',
    JOBS_LOG_FORMAT: 'json',
    ...env,
  };
}

/** Starts what `launch` names; returns the processes and how many consumers they open. */
export function startLaunch(
  launch: Launch,
  redisUrl: string,
  prefix: string,
): { children: ChildProcess[]; consumers: number } {
  const stdio = ['ignore', 'ignore', 'inherit'] as const;
  if (launch.kind === 'bare') {
    const script = fileURLToPath(new URL('./bare-worker.js', import.meta.url));
    const args = [script, redisUrl, prefix, QUEUE, String(launch.concurrency)];
    const children = Array.from({ length: launch.processes }, () =>
      spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: [...stdio] }),
    );
    return { children, consumers: launch.processes };
  }
  const dir = noopProject();
  const config = ['--config', path.join(dir, 'jobs.yaml')];
  const concurrency = ['--concurrency', String(launch.concurrency)];
  const args =
    launch.kind === 'work'
      ? [CLI, 'work', ...config, ...concurrency]
      : [CLI, 'start', ...config, '--workers', String(launch.workers), ...concurrency];
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: dir,
    env: ourEnv(redisUrl, prefix, launch.env),
    stdio: [...stdio],
  });
  return { children: [child], consumers: launch.kind === 'work' ? 1 : launch.workers };
}

export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }),
  );
}

/** Resolves once `consumers` BullMQ workers are connected to the queue. */
export async function waitForConsumers(
  queue: Queue,
  consumers: number,
  children: readonly ChildProcess[],
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await queue.getWorkersCount()) < consumers) {
    const dead = children.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (dead) throw new Error(`a measured process exited with code ${dead.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${consumers} consumers did not connect in 60s`);
    await sleep(50);
  }
}

/** One measured run of `jobs` no-op jobs through `launch`. */
export async function runThroughput(
  redisUrl: string,
  jobs: number,
  launch: Launch,
): Promise<RunFigures> {
  const prefix = uniquePrefix();
  // Every run on an empty Redis (the bench's own): the keys earlier runs leave (run
  // records, completed jobs kept by retention) made each later run some 20 % dearer.
  const admin = new Redis(redisUrl);
  await admin.flushall();
  admin.disconnect();
  const queue = await fillPaused(redisUrl, prefix, jobs);
  const { children, consumers } = startLaunch(launch, redisUrl, prefix);
  const died = new Promise<never>((_, reject) => {
    for (const child of children)
      child.once('exit', (code) =>
        reject(new Error(`a measured process exited with code ${code} during the benchmark`)),
      );
  });
  died.catch(() => undefined);
  try {
    await waitForConsumers(queue, consumers, children);
    await sleep(SETTLE_MS);
    const roots = children.map((child) => child.pid as number);
    const tree = roots.flatMap((pid) => processTree(pid));
    // A daemon's own process is not a worker; the other launches are all workers.
    const workers = launch.kind === 'daemon' ? tree.filter((pid) => !roots.includes(pid)) : tree;
    const before = { tree: cpuMs(tree), workers: cpuMs(workers) };
    await queue.resume();
    const jobsPerS = await Promise.race([measure(redisUrl, prefix, jobs), died]);
    const per1000 = (ms: number) => (ms * 1000) / jobs;
    return {
      jobsPerS,
      treeCpu: per1000(cpuMs(tree) - before.tree),
      workerCpu: per1000(cpuMs(workers) - before.workers),
    };
  } finally {
    for (const child of children) child.removeAllListeners('exit');
    await stopAll(children);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
