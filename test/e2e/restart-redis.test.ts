import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/operator.js';
import { RestartProject, tally } from '../helpers/restarts.js';
import { freePort, TestRedis } from '../helpers/redis-server.js';

const opened: { stop: () => Promise<unknown> }[] = [];

afterEach(async () => {
  // Daemons first, then their Redis.
  for (const item of opened.splice(0).reverse()) await item.stop();
});

const TICK_YAML = `  tick:\n    every: 1s\n    module: ./job.js\n`;
const OUTAGE_MS = 10_000;

describe('Redis outages', () => {
  it('Redis absent at start: the daemon waits, then works when Redis appears', async () => {
    const redis = new TestRedis(await freePort());
    opened.push({ stop: () => redis.destroy() });
    const project = new RestartProject(redis.url);
    opened.push({ stop: () => project.stopAll() });
    const daemon = project.startDaemon(['--workers', '1']);
    await daemon.waitFor((line) => line.msg === 'redis unreachable');
    await sleep(3_000);
    expect(daemon.child.exitCode).toBeNull(); // waiting, not exiting in a loop
    expect(daemon.count((line) => line.msg === 'daemon started')).toBe(0);

    await redis.start();
    await daemon.waitFor((line) => line.msg === 'daemon started', 30_000);
    const [id] = await project.enqueue(1, 0);
    await project.waitForCompleted(1);
    expect(project.runs().map((run) => run.id)).toEqual([id]);
  });

  it('Redis killed for 10 s mid-run: processing resumes, no tick twice, no restart', async () => {
    const redis = await TestRedis.start();
    opened.push({ stop: () => redis.destroy() });
    const project = new RestartProject(redis.url, TICK_YAML);
    opened.push({ stop: () => project.stopAll() });
    const daemon = project.startDaemon(['--workers', '2']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    const ticks = () => project.runs().filter((run) => run.name === 'tick');
    await eventually(async () => (ticks().length >= 3 ? true : undefined));
    const before = await project.enqueue(20, 300);

    await redis.stop(); // SIGKILL: the server is gone at once
    const killedAt = Date.now();
    await sleep(OUTAGE_MS);
    await redis.start();
    const back = Date.now();

    // Everything enqueued before the outage completes, and ticks go on after it.
    await project.waitForCompleted(20, 90_000);
    const ranAfter = await eventually(
      async () => {
        const later = ticks().filter((run) => run.at > back + 2_000);
        return later.length >= 2 ? later : undefined;
      },
      60_000,
      'ticks after Redis came back',
    );
    const firstAfter = ticks().find((run) => run.at > back);
    console.log(
      `Redis outage of ${back - killedAt} ms: the first tick after it ran ${(firstAfter?.at ?? 0) - back} ms after Redis returned`,
    );
    expect(ranAfter.length).toBeGreaterThanOrEqual(2);
    const sleepyIds = new Set(
      project
        .runs()
        .filter((run) => run.name === 'sleepy')
        .map((run) => run.id),
    );
    expect(before.every((id) => sleepyIds.has(id))).toBe(true);
    // No tick ran twice: each id (repeat:tick:<slot>) once.
    expect([...tally(ticks().map((run) => run.id)).values()].filter((n) => n > 1)).toEqual([]);
    // The daemon lived through it with its workers: same process, no worker exited.
    expect(daemon.child.exitCode).toBeNull();
    expect(daemon.count((line) => String(line.msg).startsWith('worker process exited'))).toBe(0);
    expect((await project.workers()).every((beat) => beat.parentPid === daemon.pid)).toBe(true);
  });
});
