import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject, type LogLine } from '../helpers/cli.js';
import { RECORDING_HANDLER } from '../helpers/fixtures.js';
import { eventually } from '../helpers/operator.js';
import { TestRedis } from '../helpers/redis-server.js';

const opened: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  // Daemons first, then their Redis.
  for (const close of opened.splice(0).reverse()) await close();
});

const PASSWORD = 's3cr3t-pw';
const WRONG = 'not-it-7731';

async function passwordRedis(options: { persistence?: boolean } = {}): Promise<TestRedis> {
  const redis = await TestRedis.start({ password: PASSWORD, ...options });
  opened.push(() => redis.destroy());
  return redis;
}

function project(): string {
  return writeProject({
    'jobs.yaml': 'jobs:\n  hourly:\n    every: 1h\n    module: ./job.js\n',
    'job.js': RECORDING_HANDLER,
  });
}

function startDaemon(dir: string, redisUrl: string): CliProcess {
  const daemon = CliProcess.start(
    ['start', '--config', path.join(dir, 'jobs.yaml'), '--workers', '0'],
    { cwd: dir, env: { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix() } },
  );
  opened.push(() => daemon.stop());
  return daemon;
}

/** Everything a daemon wrote, to search for a leaked password. */
const outputOf = (daemon: CliProcess) => JSON.stringify(daemon.lines) + daemon.stderr;
const isUnreachable = (line: LogLine) => line.msg === 'redis unreachable';
const isBack = (line: LogLine) => String(line.msg).startsWith('redis reachable again');

describe('Redis that requires a password', () => {
  it('every command names a refused or missing password, exit 69, without echoing it', async () => {
    const redis = await passwordRedis();
    const dir = project();
    const list = (url: string) =>
      runCli(['list', '--config', path.join(dir, 'jobs.yaml')], {
        cwd: dir,
        env: { REDIS_URL: url, JOBS_PREFIX: uniquePrefix() },
      });
    const where = `127.0.0.1:${redis.port}`;

    const wrong = await list(`redis://:${WRONG}@${where}`);
    expect(wrong.code).toBe(69);
    expect(wrong.stderr).toBe(`jobs: Redis refused the password for user 'default' at ${where}\n`);

    const wrongUser = await list(`redis://reporting:${WRONG}@${where}`);
    expect(wrongUser.code).toBe(69);
    expect(wrongUser.stderr).toBe(
      `jobs: Redis refused the password for user 'reporting' at ${where}\n`,
    );

    const none = await list(`redis://${where}`);
    expect(none.code).toBe(69);
    expect(none.stderr).toBe(
      `jobs: Redis at ${where} requires a password: set it in REDIS_URL (redis://:PASSWORD@host:port)\n`,
    );

    for (const result of [wrong, wrongUser, none]) {
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain(WRONG);
      expect(result.stderr).not.toContain(PASSWORD);
    }
    const right = await list(`redis://:${PASSWORD}@${where}`);
    expect(right.stderr).toBe('');
    expect(right.code).toBe(0);
  });

  it('a daemon with the wrong password names the error, keeps trying, and says when it is let in', async () => {
    const redis = await passwordRedis();
    const where = `127.0.0.1:${redis.port}`;
    const daemon = startDaemon(project(), `redis://:${WRONG}@${where}`);

    const first = await daemon.waitFor(isUnreachable);
    expect(first.error).toBe(`Redis refused the password for user 'default' at ${where}`);
    // Still retrying a report interval later: waiting, not exiting.
    await eventually(
      async () => (daemon.count(isUnreachable) >= 2 ? true : undefined),
      20_000,
      'a second report',
    );
    expect(daemon.child.exitCode).toBeNull();
    expect(daemon.count((line) => line.msg === 'daemon started')).toBe(0);

    // The operator fixes the server side: the daemon gets in on its next retry.
    const admin = redis.client();
    await admin.config('SET', 'requirepass', WRONG);
    admin.disconnect();
    await daemon.waitFor((line) => line.msg === 'daemon started', 20_000);
    const back = await daemon.waitFor(isBack);
    expect(back.msg).toMatch(
      /^redis reachable again after \d+(\.\d+)?m?s \(it was: password refused\)$/,
    );
    expect(daemon.count(isBack)).toBe(1);

    expect(await daemon.stop()).toBe(0);
    expect(outputOf(daemon)).not.toContain(WRONG);
    expect(outputOf(daemon)).not.toContain(PASSWORD);
  });

  it('after an outage the daemon says once that Redis is back, naming what the outage was', async () => {
    // Empty after the restart, so the heartbeat found later is one written after it.
    const redis = await passwordRedis({ persistence: false });
    const where = `127.0.0.1:${redis.port}`;
    const daemon = startDaemon(project(), `redis://:${PASSWORD}@${where}`);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    await redis.stop();
    const down = await daemon.waitFor(isUnreachable);
    // A killed server resets the open connection first, then refuses the reconnects.
    expect(down.error).toMatch(
      new RegExp(`^cannot reach Redis at ${where}: connection (refused|reset by the server)$`),
    );
    await redis.start();
    const back = await daemon.waitFor(isBack, 20_000);
    // Back within a reconnect or two (a loaded machine), the daemon may have seen only the reset.
    expect(back.msg).toMatch(
      /^redis reachable again after \d+(\.\d+)?m?s \(it was: connection (refused|reset by the server)\)$/,
    );
    // The daemon is fully back (its heartbeat is written again) and said so only once.
    const admin = redis.client();
    opened.push(async () => admin.disconnect());
    await eventually(
      async () => ((await admin.keys('*:meta:heartbeat:*')).length > 0 ? true : undefined),
      20_000,
      'the heartbeat after the outage',
    );
    expect(daemon.count(isBack)).toBe(1);
    expect(await daemon.stop()).toBe(0);
    expect(outputOf(daemon)).not.toContain(PASSWORD);
  });
});
