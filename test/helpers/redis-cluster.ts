import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { killNow } from './process.js';
import { freePort } from './redis-server.js';

const run = promisify(execFile);
const MASTERS = 3;

/**
 * A Redis Cluster of three masters (no replicas) on free loopback ports, made with
 * `redis-cli --cluster create`, for tests. destroy() stops every node and removes its data.
 */
export class TestRedisCluster {
  private readonly children: ChildProcess[] = [];
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-cluster-'));
  readonly ports: number[] = [];

  static async start(): Promise<TestRedisCluster> {
    const cluster = new TestRedisCluster();
    try {
      await cluster.startNodes();
      await cluster.create();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** REDIS_CLUSTER_NODES for the daemons and commands. */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  private async startNodes(): Promise<void> {
    for (let i = 0; i < MASTERS; i++) {
      const port = await freePort();
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--dir',
          this.dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: 'ignore', detached: true },
      );
      this.children.push(child);
      this.ports.push(port);
    }
    for (const port of this.ports) await waitFor(() => ping(port), `node ${port} answers`);
  }

  private async create(): Promise<void> {
    await run('redis-cli', [
      '--cluster',
      'create',
      ...this.ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of this.ports)
      await waitFor(() => clusterOk(port), `cluster state ok on ${port}`);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.children.map(killNow));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await run('redis-cli', ['-p', String(port), 'ping'])).stdout.trim() === 'PONG';
  } catch {
    return false;
  }
}

async function clusterOk(port: number): Promise<boolean> {
  const info = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
  return info.stdout.includes('cluster_state:ok');
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`Redis Cluster test helper: timed out waiting until ${what}`);
}
