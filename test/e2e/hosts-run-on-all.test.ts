import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import {
  readRuns,
  RECORDING_HANDLER,
  tickOf,
  waitForRuns,
  type RunRecord,
} from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';
import { eventually } from '../helpers/operator.js';

const redisUrl = inject('redisUrl');
let hosts: TestHosts | undefined;

afterEach(async () => {
  await hosts?.stopAll();
});

/** Hosts that ran each tick of `name` due in [from, to). */
function hostsPerTick(
  runs: RunRecord[],
  name: string,
  from: number,
  to: number,
): Map<number, string[]> {
  const ticks = new Map<number, string[]>();
  for (const run of runs) {
    const tick = tickOf(run);
    if (run.name !== name || tick < from || tick >= to) continue;
    ticks.set(tick, [...(ticks.get(tick) ?? []), run.host ?? '?']);
  }
  return ticks;
}

/**
 * Waits until `count` ticks of `name` due from `from` on have settled, and returns when the
 * window of settled ticks ends. A tick due over a second ago is settled: every host had its
 * run of it started by then, so its list of hosts is final.
 */
async function settledTicks(file: string, name: string, from: number, count: number) {
  await waitForRuns(
    file,
    (runs) => hostsPerTick(runs, name, from, Date.now() - 1_000).size >= count,
    { timeoutMs: 30_000, what: `${count} settled ticks of ${name}` },
  );
  return Date.now() - 1_000;
}

describe('runOn: all', () => {
  it('runs each tick once on every live host, and stops counting a host that is gone', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  clean-tmp:\n    schedule: "* * * * * *"\n    runOn: all\n    module: ./record.js\n  once:\n    schedule: "* * * * * *"\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = uniquePrefix();
    hosts = new TestHosts({ dir, prefix, redisEnv: { REDIS_URL: redisUrl } });
    const daemons = [hosts.start('host-a'), hosts.start('host-b', 2), hosts.start('host-c')];
    await Promise.all(daemons.map((d) => d.waitFor((line) => line.msg === 'daemon started')));
    // Each host's scheduler appears once its workers beat (within a reconcile round).
    await waitForRuns(
      hosts.runsFile,
      (runs) =>
        [...hostsPerTick(runs, 'clean-tmp', 0, Infinity).values()].some((h) => h.length === 3),
      { timeoutMs: 30_000, what: 'a tick of clean-tmp run on all three hosts' },
    );
    const threeFrom = Date.now();
    const list = await runCli(['list', '--json'], {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, JOBS_CONFIG: path.join(dir, 'jobs.yaml') },
    });
    const rows = JSON.parse(list.stdout) as { name: string; nextRuns: string[] }[];
    expect(rows.find((row) => row.name === 'clean-tmp')?.nextRuns).toHaveLength(1);
    const threeTo = await settledTicks(hosts.runsFile, 'clean-tmp', threeFrom, 5);
    await hosts.killHost(daemons[2] as (typeof daemons)[number]);
    const killedAt = Date.now();
    // Within the heartbeat TTL (15 s) and a reconcile round (5 s), a live daemon drops the
    // dead host's scheduler; count from then.
    const dropped = await eventually(
      async () =>
        daemons
          .slice(0, 2)
          .flatMap((daemon) => daemon.lines)
          .find(
            (line) =>
              line.msg === 'host schedules changed' &&
              (line.removed as string[]).some((id) => id.includes('@host-c')),
          ),
      40_000,
      "host-c's scheduler dropped",
    );
    expect(dropped.time as number).toBeGreaterThan(killedAt);
    const twoFrom = Date.now();
    const twoTo = await settledTicks(hosts.runsFile, 'clean-tmp', twoFrom, 5);
    await hosts.stopAll();

    const runs = readRuns(hosts.runsFile);
    const three = hostsPerTick(runs, 'clean-tmp', threeFrom, threeTo);
    const two = hostsPerTick(runs, 'clean-tmp', twoFrom, twoTo);
    const summary = (ticks: Map<number, string[]>) =>
      [...ticks.values()].map((h) => h.length).join(',');
    console.log(
      `runs per tick with 3 hosts: ${summary(three)}; after host-c died: ${summary(two)}`,
    );
    expect(three.size).toBeGreaterThanOrEqual(5);
    for (const ran of three.values())
      expect([...ran].sort()).toEqual(['host-a', 'host-b', 'host-c']);
    expect(two.size).toBeGreaterThanOrEqual(5);
    for (const ran of two.values()) expect([...ran].sort()).toEqual(['host-a', 'host-b']);
    // No host-c run after it died, so none of its schedule kept firing elsewhere.
    expect(runs.filter((run) => run.host === 'host-c' && run.at > killedAt)).toEqual([]);
    // A runOn: one job beside it still runs each tick once.
    const once = hostsPerTick(runs, 'once', threeFrom, twoTo);
    expect([...once.values()].filter((ran) => ran.length !== 1)).toEqual([]);
  }, 120_000);
});
