import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER, tickOf, waitForRuns } from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';
import { SENTINEL_MASTER, TestRedisSentinel } from '../helpers/redis-sentinel.js';

let set: TestRedisSentinel;
let hosts: TestHosts | undefined;

beforeAll(async () => {
  set = await TestRedisSentinel.start();
});

afterAll(async () => {
  await hosts?.stopAll();
  await set?.destroy();
});

describe('Redis Sentinel', () => {
  it('finds the master through the Sentinel and keeps firing after a failover', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = uniquePrefix();
    const redisEnv = {
      REDIS_URL: '',
      REDIS_SENTINELS: set.sentinels,
      REDIS_SENTINEL_MASTER: SENTINEL_MASTER,
    };
    hosts = new TestHosts({ dir, prefix, redisEnv });
    const daemon = hosts.start('host-a');
    await waitForRuns(hosts.runsFile, (runs) => runs.length >= 2, {
      timeoutMs: 30_000,
      what: 'two runs before the master is killed',
    });

    const oldMaster = set.masterPort;
    await set.killMaster();
    const killedAt = Date.now();
    // The Sentinel declares the master down after 1 s and promotes the replica.
    let promoted = oldMaster;
    for (let i = 0; i < 200 && promoted === oldMaster; i++) {
      await sleep(100);
      promoted = await set.currentMasterPort();
    }
    expect(promoted).toBe(set.replicaPort);
    const promotedAt = Date.now();
    await waitForRuns(
      hosts.runsFile,
      (runs) => runs.filter((run) => tickOf(run) > promotedAt + 1_000).length >= 3,
      { timeoutMs: 30_000, what: 'three runs after the promotion' },
    );

    // The CLI finds the new master too.
    const list = await runCli(['list', '--json'], {
      cwd: dir,
      env: { ...redisEnv, JOBS_PREFIX: prefix, JOBS_CONFIG: `${dir}/jobs.yaml` },
    });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((job) => job.name)).toEqual([
      'tick',
    ]);
    expect(await daemon.stop()).toBe(0);

    const ticks = readRuns(hosts.runsFile).map(tickOf);
    const before = ticks.filter((tick) => tick < killedAt).length;
    const after = ticks.filter((tick) => tick > promotedAt + 1_000).length;
    console.log(
      `sentinel: ${before} runs before the master was killed, ${after} after the promotion (${promotedAt - killedAt} ms later)`,
    );
    expect(before).toBeGreaterThanOrEqual(2);
    expect(after).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks).size).toBe(ticks.length);
  }, 90_000);
});
