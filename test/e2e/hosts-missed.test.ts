import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { MISSED_GRACE_MS } from '../../src/worker/missed.js';
import { readRuns, RECORDING_HANDLER, tickOf, waitForRuns } from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';

const redisUrl = inject('redisUrl');
let hosts: TestHosts | undefined;

afterEach(async () => {
  await hosts?.stopAll();
});

describe('missed runs', () => {
  it('after every daemon was down over several ticks: one catch-up run with missed: once, none with skip', async () => {
    const job = (name: string, missed: string) =>
      `  ${name}:\n    schedule: "*/2 * * * * *"\n    missed: ${missed}\n    module: ./record.js\n`;
    const dir = writeProject({
      'jobs.yaml': `jobs:\n${job('catch-up', 'once')}${job('no-catch-up', 'skip')}`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = uniquePrefix();
    hosts = new TestHosts({ dir, prefix, redisEnv: { REDIS_URL: redisUrl } });
    const daemons = [hosts.start('host-a'), hosts.start('host-b')];
    await Promise.all(
      daemons.map((d) => d.waitFor((line) => line.msg === 'job catch-up completed')),
    );
    // Both schedules live before the outage, so what the restart finds due is a missed tick.
    await waitForRuns(hosts.runsFile, (runs) => runs.some((run) => run.name === 'no-catch-up'), {
      what: 'a run of no-catch-up',
    });
    await hosts.stopAll();
    const downFrom = Date.now();
    // The outage itself, not a wait for an outcome. Redis keeps the tick after the last run
    // pending; taken over an interval plus MISSED_GRACE_MS late it is a missed one (earlier
    // it is a late start). Stay down a second past that: four ticks pass with no daemon, so
    // one catch-up run is told apart from a run for each missed tick.
    const pendingTick = Math.max(...readRuns(hosts.runsFile).map(tickOf)) + 2_000;
    await sleep(Math.max(0, pendingTick + 2_000 + MISSED_GRACE_MS + 1_000 - Date.now()));
    const back = hosts.start('host-a');
    const upAt = (await back.waitFor((line) => line.msg === 'daemon started')).time as number;
    // Catch-up runs and skips happen first, at the restart; then two ticks of each at schedule.
    await waitForRuns(
      hosts.runsFile,
      (runs) =>
        ['catch-up', 'no-catch-up'].every(
          (name) => runs.filter((run) => run.name === name && tickOf(run) >= upAt).length >= 2,
        ),
      { what: 'two ticks of each job after the restart' },
    );
    await hosts.stopAll();

    // Ticks due while down that ran after the restart: the catch-up runs.
    const runs = readRuns(hosts.runsFile);
    const caughtUp = (name: string) =>
      runs.filter((run) => run.name === name && run.at >= upAt && tickOf(run) < upAt - 2_000);
    const missedTicks = Math.floor((upAt - downFrom) / 2_000);
    console.log(
      `down ${upAt - downFrom} ms (${missedTicks} ticks): missed: once caught up ${caughtUp('catch-up').length}, missed: skip ${caughtUp('no-catch-up').length}`,
    );
    expect(caughtUp('catch-up')).toHaveLength(1);
    expect(caughtUp('no-catch-up')).toHaveLength(0);
    // Both carry on at the schedule once back.
    for (const name of ['catch-up', 'no-catch-up'])
      expect(
        runs.filter((run) => run.name === name && tickOf(run) >= upAt).length,
      ).toBeGreaterThanOrEqual(2);
    const history = await runCli(['history', 'no-catch-up', '--json'], {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, JOBS_CONFIG: path.join(dir, 'jobs.yaml') },
    });
    const skipped = (
      JSON.parse(history.stdout) as { status: string; detail: string; startedAt: string }[]
    ).filter((record) => record.status === 'skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.detail).toMatch(/missed/);
    expect(Date.parse(skipped[0]?.startedAt ?? '')).toBeLessThan(upAt - 2_000);
  }, 90_000);
});
