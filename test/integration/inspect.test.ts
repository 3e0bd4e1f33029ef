import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { activeTakes, countQueues, listFailed, listPending } from '../../src/queue/inspect.js';
import { schedulerNext, schedulersOf } from '../../src/queue/schedulers.js';
import { uniquePrefix } from '../helpers/cli.js';

/**
 * The CLI's listings read BullMQ's stored layout directly (no BullMQ import, for start-up
 * time). Here every view is compared with what BullMQ's own getters say about the same
 * jobs, so a BullMQ upgrade that changes its layout fails this test, not an operator.
 */
const redisUrl = inject('redisUrl');
const prefix = uniquePrefix();
const connection = { url: redisUrl, maxRetriesPerRequest: null };
const client = new Redis(redisUrl);
const queues: Queue[] = [];
let worker: Worker | undefined;
let release: () => void = () => undefined;

function openQueue(name: string): Queue {
  const queue = new Queue(name, { connection, prefix });
  queues.push(queue);
  return queue;
}

/** Fails `count` jobs in `queue` through a real Worker, `attempts` tries each. */
async function failJobs(queue: Queue, count: number, attempts: number): Promise<void> {
  await queue.addBulk(
    Array.from({ length: count }, (_, i) => ({
      name: `fail-${i}`,
      data: {},
      opts: { attempts, backoff: { type: 'fixed', delay: 0 } },
    })),
  );
  let failed = 0;
  const failing = new Worker(
    queue.name,
    async (job: Job) => {
      throw new Error(`boom ${job.name}\nsecond line`);
    },
    { connection, prefix, concurrency: 5 },
  );
  await new Promise<void>((resolve) => {
    failing.on('failed', (job) => {
      if (job && job.attemptsMade >= attempts && ++failed === count) resolve();
    });
  });
  await failing.close();
}

beforeAll(async () => {
  const mail = openQueue('mail');
  const reports = openQueue('reports');
  await failJobs(mail, 7, 2);
  await failJobs(reports, 4, 1);

  // Pending: one active (held by a worker that never finishes it), waiting, prioritized, delayed.
  const pending = openQueue('pending');
  const held = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => {
    worker = new Worker(
      'pending',
      async () => {
        resolve();
        await held;
      },
      { connection, prefix, concurrency: 1 },
    );
  });
  await pending.add('first', {});
  await started;
  await pending.addBulk([1, 2, 3].map((n) => ({ name: `waiting-${n}`, data: {} })));
  await pending.add('urgent', {}, { priority: 5 });
  await pending.add('later', {}, { delay: 60_000 });
  await pending.add('much-later', {}, { delay: 120_000 });
  await pending.upsertJobScheduler('nightly', { pattern: '0 3 * * *' }, { name: 'nightly' });
}, 30_000);

afterAll(async () => {
  release();
  await worker?.close(true);
  for (const queue of queues) await queue.obliterate({ force: true }).catch(() => undefined);
  await Promise.all(queues.map((queue) => queue.close()));
  client.disconnect();
});

describe('the listings read what BullMQ stores', () => {
  it('lists failed jobs newest first, as BullMQ does, with the total over all queues', async () => {
    const [mail, reports] = queues as [Queue, Queue];
    const bull = [...(await mail.getFailed(0, -1)), ...(await reports.getFailed(0, -1))]
      .sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0))
      .map((job) => ({
        id: job.id,
        name: job.name,
        queue: job.queueName,
        failedAt: new Date(job.finishedOn ?? 0).toISOString(),
        attempts: job.attemptsMade,
        error: (job.failedReason ?? '').split('\n')[0],
      }));
    const { rows, total } = await listFailed(client, prefix, ['mail', 'reports'], 50);
    expect(total).toBe(11);
    expect(rows).toEqual(bull);
    expect(rows.filter((row) => row.queue === 'mail').every((row) => row.attempts === 2)).toBe(
      true,
    );

    const page = await listFailed(client, prefix, ['mail', 'reports'], 3);
    expect(page.total).toBe(11);
    expect(page.rows).toEqual(bull.slice(0, 3));
  });

  it('lists pending jobs in BullMQ’s order: active, waiting, prioritized, delayed', async () => {
    const pending = queues[2] as Queue;
    const expected: { id: string | undefined; name: string; state: string; due: number | null }[] =
      [];
    for (const state of ['active', 'waiting', 'prioritized', 'delayed'] as const) {
      for (const job of await pending.getJobs([state], 0, -1, true)) {
        const delay = state === 'delayed' ? job.timestamp + (job.opts.delay ?? 0) : null;
        expected.push({ id: job.id, name: job.name, state, due: delay });
      }
    }
    const rows = await listPending(client, prefix, ['pending'], 50);
    expect(
      rows.map((row) => ({
        id: row.id,
        name: row.name,
        state: row.state,
        due: row.due ? Date.parse(row.due) : null,
      })),
    ).toEqual(expected);
    // Oldest first in each state; delayed by when each is due (the scheduler's tick is hours away).
    expect(rows.map((row) => `${row.state} ${row.name}`)).toEqual([
      'active first',
      'waiting waiting-1',
      'waiting waiting-2',
      'waiting waiting-3',
      'prioritized urgent',
      'delayed later',
      'delayed much-later',
      'delayed nightly',
    ]);

    const head = await listPending(client, prefix, ['pending'], 2);
    expect(head.map((row) => row.name)).toEqual(expected.slice(0, 2).map((job) => job.name));

    // The held job is taken once; one not taken is in no take at all.
    const [active] = await pending.getJobs(['active']);
    expect(await activeTakes(client, prefix, 'pending', active?.id ?? '')).toBe(1);
    const [waiting] = await pending.getJobs(['waiting']);
    expect(await activeTakes(client, prefix, 'pending', waiting?.id ?? '')).toBe(0);
  });

  it('counts each state as BullMQ counts it, and sees a pause', async () => {
    const pending = queues[2] as Queue;
    await pending.pause();
    const names = ['mail', 'reports', 'pending'];
    const counts = await countQueues(client, prefix, names);
    for (const [index, queue] of (queues.slice(0, 3) as Queue[]).entries()) {
      const bull = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'failed',
        'completed',
      );
      expect(counts[index]).toEqual({
        queue: names[index],
        paused: await queue.isPaused(),
        ...bull,
      });
    }
    expect(counts[2]?.paused).toBe(true);
    const [paused] = await listPending(client, prefix, ['pending'], 50).then((rows) =>
      rows.filter((row) => row.name === 'waiting-1'),
    );
    expect(paused?.state).toBe('paused');
    await pending.resume();
  });

  it('finds a job scheduler’s next tick as BullMQ does', async () => {
    const pending = queues[2] as Queue;
    const scheduler = await pending.getJobScheduler('nightly');
    expect(scheduler?.next).toBeGreaterThan(Date.now());
    expect(await schedulerNext(client, prefix, 'pending', 'nightly')).toBe(scheduler?.next);
    expect(await schedulerNext(client, prefix, 'pending', 'no-such')).toBeUndefined();
  });

  it('lists every job scheduler of a queue with its next tick, as BullMQ does', async () => {
    const pending = queues[2] as Queue;
    const schedulers = await pending.getJobSchedulers(0, -1);
    expect(schedulers.length).toBeGreaterThan(0);
    const listed = await schedulersOf(client, prefix, 'pending');
    expect(listed).toEqual(new Map(schedulers.map((s) => [s.id ?? s.key, s.next])));
    expect(await schedulersOf(client, prefix, 'no-such-queue')).toEqual(new Map());
  });
});
