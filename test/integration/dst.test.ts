import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix } from '../helpers/cli.js';
import { repeatOptions } from '../../src/schedule/job-options.js';
import type { JobDefinition } from '../../src/definitions/types.js';
import { sampleJob } from '../helpers/definitions.js';

const redisUrl = inject('redisUrl');
const queues: Queue[] = [];
afterEach(async () => {
  await Promise.all(
    queues
      .splice(0)
      .map(async (queue) => (await queue.obliterate({ force: true }), await queue.close())),
  );
});

function berlinJob(expression: string): JobDefinition {
  return sampleJob(
    { kind: 'cron', expression, pattern: expression },
    { name: 'nightly', timezone: 'Europe/Berlin' },
  );
}

/** The scheduler's first run when it starts at `startDate`, as BullMQ computes it in Redis. */
async function firstRunFrom(job: JobDefinition, startDate: string): Promise<string> {
  const queue = new Queue(job.queue, { connection: { url: redisUrl }, prefix: uniquePrefix() });
  queues.push(queue);
  await queue.upsertJobScheduler(
    job.name,
    { ...repeatOptions(job), startDate: new Date(startDate) },
    { name: job.name },
  );
  const scheduler = await queue.getJobScheduler(job.name);
  return new Date(scheduler?.next ?? 0).toISOString();
}

describe('a Europe/Berlin cron job in BullMQ across DST changes', () => {
  it('runs at 03:00 local before and after the spring change', async () => {
    const job = berlinJob('0 3 * * *');
    expect(await firstRunFrom(job, '2027-03-27T00:00:00Z')).toBe('2027-03-27T02:00:00.000Z'); // CET, UTC+1
    expect(await firstRunFrom(job, '2027-03-28T00:30:00Z')).toBe('2027-03-28T01:00:00.000Z'); // CEST, UTC+2
  });

  it('runs at 03:00 local before and after the autumn change', async () => {
    const job = berlinJob('0 3 * * *');
    expect(await firstRunFrom(job, '2027-10-30T00:00:00Z')).toBe('2027-10-30T01:00:00.000Z'); // CEST
    expect(await firstRunFrom(job, '2027-10-31T01:30:00Z')).toBe('2027-10-31T02:00:00.000Z'); // CET
  });
});
