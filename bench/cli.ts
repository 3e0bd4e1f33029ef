import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue, Worker } from 'bullmq';

/**
 * `jobs failed --limit 50` with 100,000 failed jobs kept: the listing must read one page
 * from Redis, not the whole failed set. The failed jobs are real BullMQ failures: added
 * in bulk, then failed by a bare Worker whose processor throws, so each has the hash,
 * stack trace and set entries BullMQ itself writes.
 */
const FAILED_JOBS = 100_000;
const ADD_BATCH = 5_000;
const FAIL_CONCURRENCY = 500;
const RUNS = 11;
const GOAL_MS = 200;
/** The built CLI; `npm run bench` runs from the package root, after the build. */
const CLI = path.resolve('dist/cli/main.js');

export async function benchCli(redisUrl: string): Promise<Record<string, number>> {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const queue = new Queue('default', { connection, prefix });
  try {
    const fillStarted = Date.now();
    await fillFailed(queue, connection, prefix);
    const fillMs = Date.now() - fillStarted;
    console.log(`filled ${FAILED_JOBS} failed jobs in ${(fillMs / 1000).toFixed(1)}s`);

    const env = { ...process.env, REDIS_URL: redisUrl, JOBS_PREFIX: prefix };
    // The floor no CLI can go under on this machine, measured beside it: Node starting.
    const node = timeNode(['-e', '0'], env);
    const startup = timeCli(['--version'], env);
    const failed = timeCli(['failed', '--limit', '50'], env);
    const failedJson = timeCli(['failed', '--limit', '50', '--json'], env);
    const status = timeCli(['status'], env);
    console.log(`node -e 0 (the floor):            median ${node.median} ms, max ${node.max} ms`);
    console.log(
      `node + CLI startup (--version):   median ${startup.median} ms, max ${startup.max} ms`,
    );
    console.log(
      `jobs failed --limit 50:           median ${failed.median} ms, max ${failed.max} ms (goal ≤ ${GOAL_MS} ms), ${(failed.median / node.median).toFixed(2)}× node -e 0`,
    );
    console.log(
      `jobs failed --limit 50 --json:    median ${failedJson.median} ms, max ${failedJson.max} ms`,
    );
    console.log(
      `jobs status:                      median ${status.median} ms, max ${status.max} ms`,
    );
    return {
      failedJobs: FAILED_JOBS,
      fillMs,
      nodeMedianMs: node.median,
      startupMedianMs: startup.median,
      failedMedianMs: failed.median,
      failedMaxMs: failed.max,
      failedJsonMedianMs: failedJson.median,
      statusMedianMs: status.median,
    };
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

export async function fillFailed(
  queue: Queue,
  connection: { url: string; maxRetriesPerRequest: null },
  prefix: string,
): Promise<void> {
  for (let added = 0; added < FAILED_JOBS; added += ADD_BATCH) {
    const size = Math.min(ADD_BATCH, FAILED_JOBS - added);
    await queue.addBulk(
      Array.from({ length: size }, (_, i) => ({ name: 'bench-fail', data: { n: added + i } })),
    );
  }
  const worker = new Worker(
    'default',
    async (): Promise<void> => {
      throw new Error('connection refused by smtp.example.org:25\n    at send (mail.js:1:1)');
    },
    { connection, prefix, concurrency: FAIL_CONCURRENCY, autorun: false },
  );
  let failed = 0;
  const done = new Promise<void>((resolve) => {
    worker.on('failed', () => {
      if (++failed === FAILED_JOBS) resolve();
    });
  });
  worker.on('error', () => undefined);
  void worker.run();
  await done;
  await worker.close();
}

/** Runs the CLI as an operator would, RUNS times; median and max wall time in ms. */
function timeCli(args: string[], env: NodeJS.ProcessEnv): { median: number; max: number } {
  return timeNode([CLI, ...args], env);
}

/** Runs `node ARGS` RUNS times; median and max wall time in ms. */
function timeNode(args: string[], env: NodeJS.ProcessEnv): { median: number; max: number } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0)
      throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    if (i === 0 && args[1] === 'failed' && !args.includes('--json'))
      console.log(result.stdout.split('\n').slice(0, 4).join('\n'));
  }
  times.sort((a, b) => a - b);
  return {
    median: Math.round(times[Math.floor(RUNS / 2)] as number),
    max: Math.round(times[RUNS - 1] as number),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('set REDIS_URL to a Redis the benchmark may fill and clean');
  console.log(JSON.stringify(await benchCli(url)));
}
