import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER, waitForRuns } from '../helpers/fixtures.js';

const redisUrl = inject('redisUrl');
const running: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((daemon) => daemon.stop()));
});

function startDaemon(dir: string, prefix: string, extra: string[] = []): CliProcess {
  const daemon = CliProcess.start(
    ['start', '--config', path.join(dir, 'jobs.yaml'), '--workers', '1', ...extra],
    {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, RUNS_FILE: path.join(dir, 'runs.jsonl') },
    },
  );
  running.push(daemon);
  return daemon;
}

describe('schedules through jobs start', () => {
  it('fires a 6-field cron every second', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const daemon = startDaemon(dir, uniquePrefix());
    await daemon.waitFor((line) => line.msg === 'daemon started');
    await waitForRuns(path.join(dir, 'runs.jsonl'), (runs) => runs.length >= 4, {
      timeoutMs: 20_000,
      what: 'four runs of a per-second cron',
    });
    expect(await daemon.stop()).toBe(0);
    const runs = readRuns(path.join(dir, 'runs.jsonl'));
    const seconds = runs.map((run) => Number(run.id.split(':').pop()) / 1000);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seconds).size).toBe(runs.length);
    for (const second of seconds) expect(Number.isInteger(second)).toBe(true);
    for (let i = 1; i < seconds.length; i++)
      // BullMQ computes the next tick when a run starts: a tick that starts over a second
      // late (a loaded machine) lets the scheduler pass one second over, never double one.
      expect((seconds[i] as number) - (seconds[i - 1] as number)).toBeLessThanOrEqual(2);
  });

  it('waits `delay` before the first run of an `every` job, then repeats at the interval', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  beat:\n    every: 2s\n    delay: 3s\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const daemon = startDaemon(dir, uniquePrefix());
    const synced = await daemon.waitFor((line) => line.msg === 'schedules synced');
    await waitForRuns(path.join(dir, 'runs.jsonl'), (runs) => runs.length >= 3, {
      timeoutMs: 25_000,
      what: 'three runs of an every: 2s job',
    });
    await daemon.stop();
    const runs = readRuns(path.join(dir, 'runs.jsonl'));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // The delay counts from the scheduler's upsert, somewhere in the sync that the log line
    // ends: from the sync's start, a first run that waited its 3 s is never early.
    const syncStart = (synced.time as number) - (synced.durationMs as number);
    expect((runs[0] as { at: number }).at - syncStart).toBeGreaterThanOrEqual(2_900);
    for (let i = 1; i < runs.length; i++) {
      const gap = (runs[i] as { at: number }).at - (runs[i - 1] as { at: number }).at;
      expect(gap).toBeGreaterThan(1_800);
      expect(gap).toBeLessThan(2_300);
    }
  });

  it('adds no run when a daemon re-syncs an unchanged file', async () => {
    // A new `every` scheduler runs at once; a re-sync of the same one must not run it again.
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  slow-beat:\n    every: 6s\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = uniquePrefix();
    const first = startDaemon(dir, prefix);
    await first.waitFor((line) => line.msg === 'job slow-beat completed');
    await first.stop();
    const second = startDaemon(dir, prefix);
    const synced = await second.waitFor((line) => line.msg === 'schedules synced');
    expect(synced).toMatchObject({ unchanged: 1, added: 0, changed: 0, removed: 0 });
    // An absence, so a bounded wait: a re-upserted `every` scheduler would put a job due
    // now, which the worker takes as soon as it consumes. Give it a second from then; the
    // next real tick is 6 s after the first run, so a run in this window is the re-sync's.
    await second.waitFor((line) => line.msg === 'worker started');
    await sleep(1_000);
    await second.stop();
    expect(readRuns(path.join(dir, 'runs.jsonl'))).toHaveLength(1);
  });

  it('stops firing removed and disabled jobs after the daemon restarts', async () => {
    const record = { 'record.js': RECORDING_HANDLER };
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  keep:\n    schedule: "* * * * * *"\n    module: ./record.js\n  removed:\n    schedule: "* * * * * *"\n    module: ./record.js\n  disabled:\n    every: 1s\n    module: ./record.js\n`,
      ...record,
    });
    const prefix = uniquePrefix();
    const first = startDaemon(dir, prefix);
    await first.waitFor((line) => line.msg === 'job removed completed');
    await first.waitFor((line) => line.msg === 'job disabled completed');
    await first.stop();
    writeFileSync(
      path.join(dir, 'jobs.yaml'),
      `jobs:\n  keep:\n    schedule: "* * * * * *"\n    module: ./record.js\n  disabled:\n    every: 1s\n    enabled: false\n    module: ./record.js\n`,
    );
    const second = startDaemon(dir, prefix);
    const synced = await second.waitFor((line) => line.msg === 'schedules synced');
    expect(synced.removed).toBe(2);
    expect(synced.summary).toMatch(/removed \((disabled, removed|removed, disabled)\)/);
    const restartedAt = synced.time as number;
    // `removed` fired every second like `keep`, and `disabled` every second too: had either
    // kept a scheduler or a due job, it would run beside the three runs of `keep` waited for.
    await waitForRuns(
      path.join(dir, 'runs.jsonl'),
      (runs) => runs.filter((run) => run.name === 'keep' && run.at > restartedAt).length >= 3,
      { timeoutMs: 20_000, what: 'three runs of keep after the restart' },
    );
    await second.stop();
    const after = readRuns(path.join(dir, 'runs.jsonl')).filter((run) => run.at > restartedAt);
    expect(after.filter((run) => run.name === 'keep').length).toBeGreaterThanOrEqual(3);
    expect(after.filter((run) => run.name !== 'keep')).toEqual([]);
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    try {
      expect((await queue.getJobSchedulers()).map((scheduler) => scheduler.key)).toEqual(['keep']);
      expect((await queue.getDelayed()).map((job) => job.name)).not.toContain('removed');
    } finally {
      await queue.close();
    }
  });

  it('two daemons started together on one file run each tick once', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  every-second:\n    schedule: "* * * * * *"\n    module: ./record.js\n  every-two:\n    every: 2s\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = uniquePrefix();
    const daemons = [startDaemon(dir, prefix), startDaemon(dir, prefix)];
    await Promise.all(
      daemons.map((daemon) => daemon.waitFor((line) => line.msg === 'daemon started')),
    );
    await waitForRuns(
      path.join(dir, 'runs.jsonl'),
      (runs) =>
        new Set(runs.filter((run) => run.name === 'every-second').map((run) => run.id)).size >= 10,
      { timeoutMs: 30_000, what: 'ten ticks of every-second' },
    );
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    const runs = readRuns(path.join(dir, 'runs.jsonl'));
    const perTick = new Map<string, number>();
    for (const run of runs) perTick.set(run.id, (perTick.get(run.id) ?? 0) + 1);
    const secondTicks = [...perTick.keys()].filter((id) => id.startsWith('repeat:every-second:'));
    expect(secondTicks.length).toBeGreaterThanOrEqual(10);
    expect([...perTick.entries()].filter(([, count]) => count > 1)).toEqual([]);
    // Ticks are consecutive seconds, but for one a loaded machine may pass over (see above).
    const seconds = secondTicks
      .map((id) => Number(id.split(':').pop()) / 1000)
      .sort((a, b) => a - b);
    expect((seconds.at(-1) as number) - (seconds[0] as number) + 1).toBeLessThanOrEqual(
      seconds.length + 1,
    );
  });
});
