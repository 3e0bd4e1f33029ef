import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uniquePrefix, writeProject, type LogLine } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER, tickOf, type RunRecord } from '../helpers/fixtures.js';
import { httpGet } from '../helpers/metrics.js';
import { eventually, OperatorProject } from '../helpers/operator.js';
import { freePort, TestRedis } from '../helpers/redis-server.js';
import { tally } from '../helpers/restarts.js';

const opened: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  // Daemons first, then their Redis.
  for (const close of opened.splice(0).reverse()) await close();
});

const PER_SECOND_YAML = `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./job.js\n`;
const RECOVERY_LIMIT_MS = 10_000;

const isDataLoss = (line: LogLine) => String(line.msg).startsWith('Redis lost its data');

/**
 * A daemon with one worker, metrics, and a per-second job on a Redis that keeps nothing
 * on disk, once the job has ticked twice and /readyz is 200.
 */
async function startPerSecondDaemon() {
  const redis = await TestRedis.start({ persistence: false });
  opened.push(() => redis.destroy());
  const project = new OperatorProject(
    writeProject({ 'jobs.yaml': PER_SECOND_YAML, 'job.js': RECORDING_HANDLER }),
    uniquePrefix(),
    redis.url,
  );
  opened.push(() => project.stopAll());
  const metricsAddr = `127.0.0.1:${await freePort()}`;
  const readyz = `http://${metricsAddr}/readyz`;
  const daemon = project.startDaemon(['--workers', '1', '--metrics-addr', metricsAddr]);
  await daemon.waitFor((line) => line.msg === 'daemon started');
  const ticks = (): RunRecord[] =>
    readRuns(path.join(project.dir, 'runs.jsonl')).filter((run) => run.name === 'tick');
  await eventually(async () => (ticks().length >= 2 ? true : undefined), 20_000, 'two ticks');
  await eventually(async () => ((await httpGet(readyz)).status === 200 ? true : undefined));
  return { redis, project, daemon, ticks, readyz };
}

/**
 * `loseData` empties Redis under the running daemon. The operator's view afterwards: the
 * log says so once, the job runs again within seconds, `jobs list` shows it, /readyz
 * is 200, and no tick ran twice.
 */
async function loseDataUnderRunningDaemon(
  what: string,
  loseData: (redis: TestRedis) => Promise<void>,
): Promise<void> {
  const { redis, project, daemon, ticks, readyz } = await startPerSecondDaemon();
  await loseData(redis);
  const back = Date.now();

  const first = await eventually(
    async () => ticks().find((run) => run.at > back && tickOf(run) > back),
    RECOVERY_LIMIT_MS,
    'a tick after Redis came back empty',
  );
  console.log(`${what}: the first tick ran ${first.at - back} ms after Redis was back, empty`);
  expect(first.at - back).toBeLessThan(RECOVERY_LIMIT_MS);

  const listed = await project.json<{ name: string }[]>(['list']);
  expect(listed.map((row) => row.name)).toEqual(['tick']);
  await eventually(
    async () => ((await httpGet(readyz)).status === 200 ? true : undefined),
    RECOVERY_LIMIT_MS,
    '/readyz 200 after the re-sync',
  );
  // Ticks go on, and the loss was logged once, not once a check.
  await eventually(
    async () => (ticks().filter((run) => run.at > back).length >= 3 ? true : undefined),
    RECOVERY_LIMIT_MS,
    'three ticks after the loss',
  );
  expect(daemon.count(isDataLoss)).toBe(1);
  const line = daemon.lines.find(isDataLoss);
  expect(line?.level).toBe(50); // pino's error
  expect(line?.msg).toBe('Redis lost its data (the marker key is gone): re-syncing schedules');
  expect([...tally(ticks().map((run) => run.id)).values()].filter((n) => n > 1)).toEqual([]);
  expect(daemon.child.exitCode).toBeNull();
}

describe('Redis that comes back empty', () => {
  it('restarted with no persistence: the daemon re-syncs and the per-second job runs again', () =>
    loseDataUnderRunningDaemon('restart', async (redis) => {
      await redis.stop();
      await redis.start();
    }));

  it('FLUSHALL under a running daemon: noticed within seconds, re-synced, no tick twice', () =>
    loseDataUnderRunningDaemon('FLUSHALL', async (redis) => {
      const client = redis.client();
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    }));

  it('/readyz says so until the re-sync is done', async () => {
    const { redis, project, daemon, ticks, readyz } = await startPerSecondDaemon();
    // Another daemon's sync lock, taken with the flush, holds this daemon's re-sync back.
    const lock = `${project.env.JOBS_PREFIX as string}:meta:sync-lock`;
    const admin = redis.client();
    opened.push(async () => admin.disconnect());
    await admin.multi().flushall().set(lock, 'another-daemon', 'PX', 30_000).exec();

    await daemon.waitFor(isDataLoss, RECOVERY_LIMIT_MS);
    const notReady = await httpGet(readyz);
    expect(notReady.status).toBe(503);
    expect(notReady.text).toContain('Redis lost its data: re-syncing schedules');

    await admin.del(lock);
    await eventually(
      async () => ((await httpGet(readyz)).status === 200 ? true : undefined),
      RECOVERY_LIMIT_MS,
      '/readyz 200 once the lock is free',
    );
    const back = Date.now();
    await eventually(
      async () => (ticks().some((run) => run.at > back) ? true : undefined),
      RECOVERY_LIMIT_MS,
      'a tick after the re-sync',
    );
  });
});
