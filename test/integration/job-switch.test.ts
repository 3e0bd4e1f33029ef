import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { JobDisabledError } from '../../src/errors.js';
import { removeAllFailed, removeRuns } from '../../src/queue/remove.js';
import {
  DEFAULT_REASON,
  disableJob,
  enableJob,
  operatorName,
  readJobSwitch,
  readJobSwitches,
  refuseIfDisabled,
} from '../../src/schedule/job-switch.js';
import { uniquePrefix } from '../helpers/cli.js';

/** The library the CLI and the page share, against a real Redis and BullMQ's own scripts. */
const redisUrl = inject('redisUrl');
const client = new Redis(redisUrl);
const connection = { url: redisUrl, maxRetriesPerRequest: null };
const opened: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await Promise.allSettled(opened.map((thing) => thing.close()));
  client.disconnect();
});

describe('the operator switch', () => {
  it('disables for every reader, keeps who/why/when, and enables once', async () => {
    const prefix = uniquePrefix();
    expect(await readJobSwitch(client, prefix, 'backup-db')).toBeUndefined();
    const [seconds] = await client.time();
    const by = operatorName('web1');
    expect(by).toMatch(/^.+@web1$/);
    const disabled = await disableJob(client, prefix, 'backup-db', { reason: ' disk full ', by });
    expect(disabled).toEqual({ reason: 'disk full', by, at: expect.any(Number) as number });
    expect(Math.abs(disabled.at - Number(seconds) * 1000)).toBeLessThan(2_000);
    await disableJob(client, prefix, 'other', { reason: '', by });

    expect(await readJobSwitch(client, prefix, 'backup-db')).toEqual(disabled);
    const all = await readJobSwitches(client, prefix);
    expect([...all.keys()].sort()).toEqual(['backup-db', 'other']);
    expect(all.get('other')?.reason).toBe(DEFAULT_REASON);

    const refused = await refuseIfDisabled(client, prefix, 'backup-db').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JobDisabledError);
    expect((refused as JobDisabledError).exitCode).toBe(1);
    expect((refused as Error).message).toContain(`disabled by ${by} at`);
    expect((refused as Error).message).toContain('disk full');

    expect(await enableJob(client, prefix, 'backup-db')).toEqual(disabled);
    expect(await enableJob(client, prefix, 'backup-db')).toBeUndefined();
    await refuseIfDisabled(client, prefix, 'backup-db'); // resolves: enabled again
    expect([...(await readJobSwitches(client, prefix)).keys()]).toEqual(['other']);
  });

  it('treats a record it cannot read as disabled', async () => {
    const prefix = uniquePrefix();
    await client.hset(`${prefix}:meta:disabled`, 'x', 'not json');
    const read = await readJobSwitch(client, prefix, 'x');
    expect(read?.reason).toMatch(/^unreadable switch record/);
  });
});

describe('removing runs', () => {
  it('removes waiting, delayed and failed runs, refuses active ones and names unknown ids', async () => {
    const prefix = uniquePrefix();
    const queue = new Queue('rm', { connection, prefix });
    opened.push(queue);
    await queue.add('a', {}, { jobId: 'waiting-1' });
    const delayed = await queue.add('a', {}, { jobId: 'delayed-1', delay: 60_000 });
    await queue.add('fail', {}, { jobId: 'failed-1' });
    await queue.add('hold', {}, { jobId: 'active-1' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const worker = new Worker(
      'rm',
      async (job) => {
        started.push(job.id as string);
        if (job.name === 'fail') throw new Error('boom');
        if (job.name === 'hold') await gate;
      },
      { connection, prefix, concurrency: 1 },
    );
    opened.push(worker);
    // Let the worker take the first two, then stop it taking more.
    await until(async () => (await queue.getJobState('active-1')) === 'active');
    expect(await queue.getJobState('failed-1')).toBe('failed');
    await worker.pause(true).catch(() => undefined);

    // waiting-1 was taken first and completed: add a fresh waiting one behind the pause.
    await queue.add('a', {}, { jobId: 'waiting-2' });
    const result = await removeRuns(
      client,
      prefix,
      ['other', 'rm'],
      ['waiting-2', delayed.id as string, 'failed-1', 'active-1', 'nope'],
    );
    expect(result).toEqual({
      removed: ['waiting-2', 'delayed-1', 'failed-1'],
      active: ['active-1'],
      missing: ['nope'],
      scheduled: [],
    });
    for (const id of ['waiting-2', 'delayed-1', 'failed-1'])
      expect(await queue.getJobState(id)).toBe('unknown');
    const counts = await queue.getJobCounts('wait', 'delayed', 'failed', 'active');
    expect(counts).toEqual({ wait: 0, delayed: 0, failed: 0, active: 1 });
    release();
  });

  it("refuses a scheduler's next tick, and removes every failed run in batches", async () => {
    const prefix = uniquePrefix();
    const queue = new Queue('rmall', { connection, prefix });
    opened.push(queue);
    await queue.upsertJobScheduler('hourly', { every: 3_600_000 }, { name: 'hourly' });
    const [next] = await queue.getJobs(['wait', 'delayed']);
    expect(next?.id).toMatch(/^repeat:hourly:/);
    const result = await removeRuns(client, prefix, ['rmall'], [next?.id as string]);
    expect(result.scheduled).toEqual([next?.id]);
    expect(await queue.getJobSchedulersCount()).toBe(1);

    // 2,500 failed runs written as BullMQ keeps them: a hash each and the failed set.
    const now = Date.now();
    const multi = client.multi();
    for (let i = 0; i < 2_500; i++) {
      multi.hset(`${prefix}:rmall:f${i}`, { name: 'x', data: '{}', finishedOn: now, opts: '{}' });
      multi.zadd(`${prefix}:rmall:failed`, now, `f${i}`);
    }
    await multi.exec();
    expect(await queue.getFailedCount()).toBe(2_500);
    expect(await removeAllFailed(client, prefix, ['rmall'])).toBe(2_500);
    expect(await queue.getFailedCount()).toBe(0);
    expect(await client.exists(`${prefix}:rmall:f0`)).toBe(0);
  });
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
