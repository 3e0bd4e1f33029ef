import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from '../errors.js';
import { settlesWithin } from '../process/deadline.js';

/**
 * The embedded default (SPEC §2): with no REDIS_URL, `jobs start` runs a private
 * redis-server on a unix socket under ./var, with its data there (AOF on, noeviction,
 * hz 100 so delayed jobs are promoted within ~10ms of their time), and stops it after
 * the daemon's own shutdown.
 */
export class EmbeddedRedis {
  readonly socket: string;
  private readonly pidFile: string;
  private child: ChildProcess | undefined;
  private adoptedPid: number | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly varDir: string) {
    this.socket = path.join(varDir, 'redis.sock');
    this.pidFile = path.join(varDir, 'redis.pid');
  }

  async start(): Promise<void> {
    const binary = findOnPath('redis-server');
    if (!binary) {
      throw new RedisUnavailableError(
        'no Redis: REDIS_URL is not set and no redis-server is on PATH; set REDIS_URL to your server, or install redis-server (apt-get install redis-server) to use the embedded one',
      );
    }
    // Job payloads are private: the folder is the owner's alone, also when an older
    // version made it world-readable.
    mkdirSync(this.varDir, { recursive: true, mode: 0o700 });
    chmodSync(this.varDir, 0o700);
    if (await answers(this.socket)) {
      // A previous daemon here was killed outright and left its redis-server: take it over.
      this.adoptedPid = readPid(this.pidFile);
      return;
    }
    rmSync(this.socket, { force: true });
    const args = [
      '--port',
      '0',
      '--unixsocket',
      this.socket,
      '--unixsocketperm',
      '700',
      '--dir',
      this.varDir,
      '--pidfile',
      this.pidFile,
      '--logfile',
      path.join(this.varDir, 'redis.log'),
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--hz',
      '100',
      '--daemonize',
      'no',
    ];
    // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and
    // Redis must outlive the workers' graceful stop, so only the daemon stops it.
    // What redis-server creates (AOF folder and files, log, pid) is 0600/0700: it has no
    // option for that, and a child inherits the umask it is spawned with.
    const umask = process.umask(0o077);
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    } finally {
      process.umask(umask);
    }
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (await answers(this.socket)) return;
      const code = await Promise.race([exited, sleep(50).then(() => 'running' as const)]);
      if (code !== 'running') {
        throw new RedisUnavailableError(
          `the embedded redis-server exited with code ${code} at start (see ${path.join(this.varDir, 'redis.log')})${stderr ? `: ${stderr.trim()}` : ''}`,
        );
      }
    }
    child.kill('SIGKILL');
    throw new RedisUnavailableError(
      `the embedded redis-server did not answer on ${this.socket} within 10s`,
    );
  }

  /** Idempotent: a second call returns the same promise. */
  stop(): Promise<void> {
    this.stopping ??= this.stopServer();
    return this.stopping;
  }

  private async stopServer(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM'); // redis-server flushes the AOF on SIGTERM
      await settlesWithin(exited, 10_000);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    } else if (this.adoptedPid) {
      try {
        process.kill(this.adoptedPid, 'SIGTERM');
        for (let i = 0; i < 200 && isAlive(this.adoptedPid); i++) await sleep(50);
      } catch {
        // already gone
      }
    }
  }
}

async function answers(socket: string): Promise<boolean> {
  return existsSync(socket) && answersPing({ path: socket });
}

/** True when a Redis server answers PING at these options, within one try. */
export async function answersPing(options: RedisOptions): Promise<boolean> {
  const client = new Redis({
    ...options,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
