import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  closeJobs,
  enqueue,
  JobsError,
  RedisUnavailableError,
  UsageError,
} from '../../src/index.js';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER } from '../helpers/fixtures.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix();
let dir: string;
let worker: CliProcess;

beforeAll(async () => {
  dir = writeProject({
    'jobs.yaml': `jobs:\n  send-mail:\n    module: ./record.js\n    queue: mail\n  off:\n    module: ./record.js\n    enabled: false\n`,
    'record.js': RECORDING_HANDLER,
  });
  // What an application sets: the same Redis and prefix as the daemon.
  process.env.REDIS_URL = redisUrl;
  process.env.JOBS_PREFIX = prefix;
  worker = CliProcess.start(['work', '--config', 'jobs.yaml'], {
    cwd: dir,
    env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, RUNS_FILE: path.join(dir, 'runs.jsonl') },
  });
  await worker.waitFor((line) => line.msg === 'worker started');
});

afterAll(async () => {
  await closeJobs();
  await worker.stop();
});

describe('enqueue() from an application', () => {
  it('enqueues a job by name with its payload, on its queue, and a worker runs it', async () => {
    const config = path.join(dir, 'jobs.yaml');
    const enqueued = await enqueue('send-mail', { to: 'a@example.org' }, { config });
    expect(enqueued.queue).toBe('mail');
    expect(enqueued.name).toBe('send-mail');
    let runs = readRuns(path.join(dir, 'runs.jsonl'));
    for (let i = 0; i < 100 && runs.length === 0; i++) {
      await sleep(100);
      runs = readRuns(path.join(dir, 'runs.jsonl'));
    }
    expect(runs.map((run) => run.id)).toEqual([enqueued.id]);
  });

  it('refuses a name with no definition, listing the names, and a disabled job', async () => {
    const config = path.join(dir, 'jobs.yaml');
    await expect(enqueue('nope', {}, { config })).rejects.toThrow(UsageError);
    await expect(enqueue('nope', {}, { config })).rejects.toThrow(/known jobs: off, send-mail/);
    await expect(enqueue('off', {}, { config })).rejects.toThrow(/disabled/);
  });
});

describe('enqueue() refused for what was asked, with Redis up', () => {
  it('is a usage error, not an outage, when BullMQ refuses an option or the data', async () => {
    const config = path.join(dir, 'jobs.yaml');
    const refusals = [
      enqueue('send-mail', {}, { config, jobId: '123' }),
      enqueue('send-mail', {}, { config, priority: 1.5 }),
      enqueue('send-mail', { count: 1n }, { config }),
    ].map((refused) => refused.catch((error: unknown) => error));
    const errors = await Promise.all(refusals);
    for (const error of errors) {
      expect(error).toBeInstanceOf(UsageError);
      expect(error).not.toBeInstanceOf(RedisUnavailableError);
    }
    expect(errors.map((error) => (error as Error).message)).toEqual([
      "cannot enqueue 'send-mail': Custom Id cannot be integers",
      "cannot enqueue 'send-mail': Priority should not be float",
      "cannot enqueue 'send-mail': Do not know how to serialize a BigInt",
    ]);
    expect((await enqueue('send-mail', {}, { config, jobId: 'mail-7' })).id).toBe('mail-7');
  });

  it('is a plain error (exit 1) when Redis answers with a refusal, such as a full server', async () => {
    const { JobsClient } = await import('../../src/queue/client.js');
    const { TestRedis } = await import('../helpers/redis-server.js');
    const { Redis } = await import('ioredis');
    const redis = await TestRedis.start();
    const admin = new Redis(redis.url);
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    try {
      const client = await JobsClient.open({ config: path.join(dir, 'jobs.yaml') });
      expect((await client.enqueue('send-mail', {})).queue).toBe('mail');
      await admin.config('SET', 'maxmemory', '1');
      const error: unknown = await client.enqueue('send-mail', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobsError);
      expect(error).not.toBeInstanceOf(RedisUnavailableError);
      expect(error).not.toBeInstanceOf(UsageError);
      expect((error as JobsError).exitCode).toBe(1);
      expect((error as Error).message).toMatch(
        /^cannot enqueue 'send-mail': Redis refused it: .*OOM/,
      );
      await admin.config('SET', 'maxmemory', '0');
      expect((await client.enqueue('send-mail', {})).queue).toBe('mail');
      await client.close();
    } finally {
      process.env.REDIS_URL = saved;
      admin.disconnect();
      await redis.destroy();
    }
  });
});

describe('JobsClient through a Redis outage', () => {
  it('fails while Redis is down and enqueues again once it is back, with no reopening', async () => {
    const { JobsClient } = await import('../../src/queue/client.js');
    const { TestRedis } = await import('../helpers/redis-server.js');
    const { RedisUnavailableError } = await import('../../src/errors.js');
    const redis = await TestRedis.start();
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    try {
      const client = await JobsClient.open({ config: path.join(dir, 'jobs.yaml') });
      expect((await client.enqueue('send-mail', {})).queue).toBe('mail');
      await redis.stop();
      await expect(client.enqueue('send-mail', {})).rejects.toThrow(RedisUnavailableError);
      await redis.start();
      expect((await client.enqueue('send-mail', {})).queue).toBe('mail');
      await client.close();
    } finally {
      process.env.REDIS_URL = saved;
      await redis.destroy();
    }
  });
});
