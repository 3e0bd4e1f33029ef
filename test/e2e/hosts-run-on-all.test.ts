import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER, tickOf, type RunRecord } from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';

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
    await sleep(8_000);
    const threeFrom = Date.now();
    const list = await runCli(['list', '--json'], {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, JOBS_CONFIG: path.join(dir, 'jobs.yaml') },
    });
    const rows = JSON.parse(list.stdout) as { name: string; nextRuns: string[] }[];
    expect(rows.find((row) => row.name === 'clean-tmp')?.nextRuns).toHaveLength(1);
    await sleep(8_000);
    const threeTo = Date.now() - 1_000;
    await hosts.killHost(daemons[2] as (typeof daemons)[number]);
    const killedAt = Date.now();
    // Heartbeat TTL (15 s) + a reconcile round (5 s), then a window to count.
    await sleep(22_000);
    const twoFrom = Date.now();
    await sleep(8_000);
    const twoTo = Date.now() - 1_000;
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
