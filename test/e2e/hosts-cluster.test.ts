import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER, tickOf } from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';
import { TestRedisCluster } from '../helpers/redis-cluster.js';

let cluster: TestRedisCluster;
let hosts: TestHosts | undefined;

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
});

afterAll(async () => {
  await hosts?.stopAll();
  await cluster?.destroy();
});

describe('Redis Cluster', () => {
  it('fires schedules with JOBS_PREFIX={...} on three masters, through a daemon restart', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./record.js\n  everywhere:\n    every: 1s\n    runOn: all\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = `{${uniquePrefix()}}`;
    const redisEnv = { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_URL: '' };
    hosts = new TestHosts({ dir, prefix, redisEnv });
    const first = hosts.start('host-a');
    await first.waitFor((line) => line.msg === 'job tick completed', 30_000);
    await first.waitFor((line) => line.msg === 'job everywhere completed', 30_000);
    await hosts.stop(first);
    const second = hosts.start('host-a');
    const synced = await second.waitFor((line) => line.msg === 'schedules synced', 30_000);
    expect(synced, JSON.stringify(synced)).toMatchObject({ unchanged: 1 });
    const restartedAt = synced.time as number;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const list = await runCli(['list', '--json'], {
      cwd: dir,
      env: { ...redisEnv, JOBS_PREFIX: prefix, JOBS_CONFIG: `${dir}/jobs.yaml` },
    });
    expect(list.code).toBe(0);
    await hosts.stop(second);

    const runs = readRuns(hosts.runsFile);
    const ticks = runs.filter((run) => run.name === 'tick').map(tickOf);
    console.log(
      `cluster: ${ticks.length} runs of tick, ${runs.length - ticks.length} of everywhere`,
    );
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(
      runs.filter((run) => run.name === 'tick' && run.at > restartedAt).length,
    ).toBeGreaterThanOrEqual(3);
    expect(
      runs.filter((run) => run.name === 'everywhere' && run.at > restartedAt).length,
    ).toBeGreaterThanOrEqual(1);
    // Every key the daemon wrote lives in the prefix's one hash slot, spread over no other.
    const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const slots = new Set<number>();
      let keys = 0;
      for (const node of client.nodes('master')) {
        const found = await node.keys(`${prefix}:*`);
        keys += found.length;
        for (const key of found.slice(0, 50)) slots.add(Number(await node.cluster('KEYSLOT', key)));
      }
      expect(keys).toBeGreaterThan(10);
      expect(slots.size).toBe(1);
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
