import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { answersPing } from '../../src/redis/embedded.js';
import { killNow } from './process.js';

/** A free TCP port on loopback, from the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Waits (up to 5 s) until a just-started redis-server on this loopback port answers PING. */
export async function waitForRedis(port: number, password?: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await answersPing({ host: '127.0.0.1', port, password })) return;
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not start`);
}

export interface TestRedisOptions {
  /** false: no AOF, so a restart comes back empty (a cache-style Redis, a lost replica). */
  persistence?: boolean;
  /** `--requirepass`: clients must authenticate as 'default' with it. */
  password?: string;
  /** redis-server's `hz` (default 100, as the embedded server; Redis's own default is 10). */
  hz?: number;
}

/**
 * A private redis-server on a free port, so fault tests can kill and restart it.
 * `stop()` and `start()` keep the same port and data directory.
 */
export class TestRedis {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-redis-'));

  constructor(
    readonly port: number,
    readonly options: TestRedisOptions = {},
  ) {}

  static async start(options: TestRedisOptions = {}): Promise<TestRedis> {
    const server = new TestRedis(await freePort(), options);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        this.options.persistence === false ? 'no' : 'yes',
        '--hz',
        String(this.options.hz ?? 100),
        '--maxmemory-policy',
        'noeviction',
        ...(this.options.password ? ['--requirepass', this.options.password] : []),
      ],
      { stdio: 'ignore', detached: true },
    );
    await waitForRedis(this.port, this.options.password);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await killNow(child);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1, password: this.options.password });
  }
}
