import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER } from '../helpers/fixtures.js';
import { isRunning } from '../helpers/process.js';
import { TestRedis } from '../helpers/redis-server.js';

const PROJECT = {
  'jobs.yaml': `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./record.js\n`,
  'record.js': RECORDING_HANDLER,
};

/** An environment with no REDIS_URL, as on a fresh machine. */
function withoutRedisUrl(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { REDIS_URL: '', ...extra };
}

describe('the embedded Redis (no REDIS_URL)', () => {
  it('runs a private redis-server under ./var, serves the other commands, and stops it with the daemon', async () => {
    const dir = writeProject(PROJECT);
    const env = withoutRedisUrl({ RUNS_FILE: path.join(dir, 'runs.jsonl') });
    const daemon = CliProcess.start(['start', '--workers', '1'], { cwd: dir, env });
    try {
      await daemon.waitFor((line) => line.msg === 'job tick completed');
      const socket = path.join(dir, 'var', 'redis.sock');
      expect(existsSync(socket)).toBe(true);
      const redisPid = Number(readFileSync(path.join(dir, 'var', 'redis.pid'), 'utf8'));
      expect(isRunning(redisPid)).toBe(true);
      const list = await runCli(['list', '--json'], { cwd: dir, env });
      expect(list.code).toBe(0);
      expect((JSON.parse(list.stdout) as { name: string }[]).map((row) => row.name)).toEqual([
        'tick',
      ]);
      expect(await daemon.stop()).toBe(0);
      expect(isRunning(redisPid)).toBe(false);
      expect(existsSync(path.join(dir, 'var', 'appendonlydir'))).toBe(true);
      expect(readRuns(path.join(dir, 'runs.jsonl')).length).toBeGreaterThan(0);
    } finally {
      await daemon.stop();
    }
  });

  it('keeps its data private: ./var is 0700 and what Redis writes there 0600', async () => {
    const dir = writeProject(PROJECT);
    // A ./var left world-readable by an older version is closed too.
    mkdirSync(path.join(dir, 'var'), { mode: 0o755 });
    const env = withoutRedisUrl({ RUNS_FILE: path.join(dir, 'runs.jsonl') });
    const daemon = CliProcess.start(['start', '--workers', '1'], { cwd: dir, env });
    try {
      await daemon.waitFor((line) => line.msg === 'job tick completed');
      expect(await daemon.stop()).toBe(0);
    } finally {
      await daemon.stop();
    }
    // Nothing under ./var is open to the group or others (job payloads are private).
    const modes: Record<string, string> = {};
    const walk = (at: string): void => {
      modes[path.relative(dir, at)] = (statSync(at).mode & 0o777).toString(8);
      if (statSync(at).isDirectory()) for (const name of readdirSync(at)) walk(path.join(at, name));
    };
    walk(path.join(dir, 'var'));
    expect(modes).toMatchObject({ var: '700', 'var/appendonlydir': '700', 'var/redis.log': '600' });
    expect(Object.entries(modes).filter(([, mode]) => !mode.endsWith('00'))).toEqual([]);
  });

  it('says both ways out, and exits 69, when there is no redis-server on PATH', async () => {
    const dir = writeProject(PROJECT);
    const result = await runCli(['start'], {
      cwd: dir,
      env: withoutRedisUrl({ PATH: '/nonexistent' }),
    });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('set REDIS_URL');
    expect(result.stderr).toContain('install redis-server');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a one-shot command with no Redis to reach exits 69 with one sentence', async () => {
    const dir = writeProject(PROJECT);
    const result = await runCli(['list'], { cwd: dir, env: withoutRedisUrl({}) });
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(
      /^jobs: no Redis: REDIS_URL is not set and no embedded redis-server runs here/,
    );
  });
});

describe('the server check at start', () => {
  it('warns loudly when maxmemory-policy is not noeviction', async () => {
    const redis = await TestRedis.start();
    const client = redis.client();
    try {
      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const dir = writeProject(PROJECT);
      const daemon = CliProcess.start(['start', '--workers', '0'], {
        cwd: dir,
        env: { REDIS_URL: redis.url, JOBS_PREFIX: uniquePrefix() },
      });
      const warning = await daemon.waitFor((line) => String(line.msg).includes('maxmemory-policy'));
      expect(warning.level).toBe(40);
      expect(warning.msg).toContain("'allkeys-lru', not 'noeviction'");
      expect(await daemon.stop()).toBe(0);
    } finally {
      client.disconnect();
      await redis.destroy();
    }
  });

  it('a daemon started before its Redis waits for it, then syncs', async () => {
    const redis = await TestRedis.start();
    await redis.stop();
    const dir = writeProject(PROJECT);
    const daemon = CliProcess.start(['start', '--workers', '0'], {
      cwd: dir,
      env: { REDIS_URL: redis.url, JOBS_PREFIX: uniquePrefix() },
    });
    try {
      await daemon.waitFor((line) => line.msg === 'redis unreachable');
      await sleep(2_000);
      expect(daemon.child.exitCode).toBeNull();
      await redis.start();
      await daemon.waitFor((line) => line.msg === 'schedules synced', 30_000);
      expect(await daemon.stop()).toBe(0);
    } finally {
      await daemon.stop();
      await redis.destroy();
    }
  });

  it('a daemon still waiting for Redis stops at once on SIGTERM, exit 0', async () => {
    const redis = await TestRedis.start();
    await redis.destroy();
    const dir = writeProject(PROJECT);
    const daemon = CliProcess.start(['start', '--workers', '1'], {
      cwd: dir,
      env: { REDIS_URL: redis.url, JOBS_PREFIX: uniquePrefix() },
    });
    await daemon.waitFor((line) => line.msg === 'redis unreachable');
    const asked = Date.now();
    expect(await daemon.stop()).toBe(0);
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(daemon.count((line) => line.msg === 'daemon started')).toBe(0);
  });
});
