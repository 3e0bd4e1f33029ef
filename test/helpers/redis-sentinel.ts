import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { killNow } from './process.js';
import { freePort, waitForRedis } from './redis-server.js';

export const SENTINEL_MASTER = 'mymaster';

/**
 * A master, one replica and one Sentinel watching them (quorum 1, down after 1 s), on
 * free loopback ports. `killMaster()` kills the master outright, as a lost host would
 * be; the Sentinel then promotes the replica. destroy() stops all and removes their data.
 */
export class TestRedisSentinel {
  private readonly children = new Map<number, ChildProcess>();
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-sentinel-'));
  masterPort = 0;
  replicaPort = 0;
  sentinelPort = 0;

  static async start(): Promise<TestRedisSentinel> {
    const set = new TestRedisSentinel();
    try {
      // A replica's first sync would otherwise wait 5 s (repl-diskless-sync-delay).
      set.masterPort = await set.startServer(['--repl-diskless-sync-delay', '0']);
      set.replicaPort = await set.startServer(['--replicaof', '127.0.0.1', String(set.masterPort)]);
      set.sentinelPort = await freePort();
      const conf = path.join(set.dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${set.sentinelPort}`,
          'bind 127.0.0.1',
          `dir ${set.dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${set.masterPort} 1`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
          '',
        ].join('\n'),
      );
      await set.spawnAndWait(set.sentinelPort, [conf, '--sentinel']);
      await set.waitForReplica();
    } catch (error) {
      await set.destroy();
      throw error;
    }
    return set;
  }

  /** REDIS_SENTINELS for the daemons and commands. */
  get sentinels(): string {
    return `127.0.0.1:${this.sentinelPort}`;
  }

  /** The port the Sentinel names as master now. */
  async currentMasterPort(): Promise<number> {
    const client = new Redis({ port: this.sentinelPort, maxRetriesPerRequest: 1 });
    try {
      const reply = (await client.call(
        'SENTINEL',
        'get-master-addr-by-name',
        SENTINEL_MASTER,
      )) as string[];
      return Number(reply[1]);
    } finally {
      client.disconnect();
    }
  }

  async killMaster(): Promise<void> {
    await killNow(this.children.get(this.masterPort));
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.children.values()].map(killNow));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startServer(extra: string[]): Promise<number> {
    const port = await freePort();
    const dir = path.join(this.dir, String(port));
    mkdirSync(dir);
    await this.spawnAndWait(port, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      ...extra,
    ]);
    return port;
  }

  private async spawnAndWait(port: number, args: string[]): Promise<void> {
    this.children.set(port, spawn('redis-server', args, { stdio: 'ignore', detached: true }));
    await waitForRedis(port);
  }

  /** The replica is in sync and the Sentinel has found it: a failover can happen. */
  private async waitForReplica(): Promise<void> {
    const sentinel = new Redis({ port: this.sentinelPort, maxRetriesPerRequest: 1 });
    const replica = new Redis({ port: this.replicaPort, maxRetriesPerRequest: 1 });
    try {
      for (let i = 0; i < 400; i++) {
        const linked = (await replica.info('replication')).includes('master_link_status:up');
        const replicas = (await sentinel.call(
          'SENTINEL',
          'replicas',
          SENTINEL_MASTER,
        )) as string[][];
        const found = replicas.some((fields) => {
          const flags = fields[fields.indexOf('flags') + 1] ?? '';
          return !flags.includes('down') && !flags.includes('disconnected');
        });
        if (linked && found) return;
        await sleep(50);
      }
      throw new Error('the replica did not sync, or the Sentinel did not find it, in 20s');
    } finally {
      sentinel.disconnect();
      replica.disconnect();
    }
  }
}
