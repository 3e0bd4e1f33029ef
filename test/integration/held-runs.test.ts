import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { failHeldRun, findHeldRuns, returnRun } from '../../src/queue/held-runs.js';
import { uniquePrefix } from '../helpers/cli.js';

/**
 * The daemon finds a dead or blocked worker's runs by BullMQ's internals: the lock token
 * `<worker id>:<n>`, the `processedOn` and `ats` fields. Checked here against a real
 * BullMQ Worker, so an upgrade that changes them fails this test, not an operator's
 * recovery (package.json pins bullmq to ~6.7 for the same reason).
 */
const redisUrl = inject('redisUrl');
const prefix = uniquePrefix();
const connection = { url: redisUrl, maxRetriesPerRequest: null };
const client = new Redis(redisUrl);
const queue = new Queue('held', { connection, prefix });
const workers: Worker[] = [];

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close(true)));
  await queue.obliterate({ force: true });
  await queue.close();
  client.disconnect();
});

/** A Worker whose runs wait until released, and the ids of the jobs it has started. */
function holdingWorker(): { worker: Worker; started: string[]; release: () => void } {
  const started: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const worker = new Worker(
    'held',
    async (job) => {
      started.push(job.id as string);
      await gate;
    },
    { connection, prefix, concurrency: 2 },
  );
  workers.push(worker);
  return { worker, started, release };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

describe('held runs, read from BullMQ’s layout', () => {
  it('finds exactly the runs one worker holds, fails one as an attempt, returns one uncounted', async () => {
    const [a, b] = await queue.addBulk([
      { name: 'one', data: {}, opts: { attempts: 2 } },
      { name: 'two', data: {}, opts: { attempts: 1 } },
    ]);
    const holder = holdingWorker();
    await until(() => holder.started.length === 2);
    const other = holdingWorker(); // holds nothing: none of its tokens may match
    await other.worker.waitUntilReady();

    expect(await findHeldRuns(client, prefix, ['held'], [other.worker.id])).toEqual([]);
    await other.worker.close(true); // so that nothing takes the runs moved on below
    const held = await findHeldRuns(client, prefix, ['held'], [holder.worker.id]);
    expect(held.map((run) => run.id).sort()).toEqual([a?.id, b?.id].sort());
    for (const run of held) {
      expect(run.token.startsWith(`${holder.worker.id}:`)).toBe(true);
      expect(run.attemptsStarted).toBe(1);
      expect(Date.now() - run.startedAt).toBeLessThan(10_000);
    }

    // The daemon's moves, as after the worker died: with the token, not the worker.
    await holder.worker.close(true);
    const one = held.find((run) => run.name === 'one');
    const two = held.find((run) => run.name === 'two');
    const failed = await failHeldRun(queue, one!, new Error('worker process 1 exited'));
    expect(failed).toEqual({ attempt: 1, willRetry: true });
    const job = await queue.getJob(two!.id);
    await returnRun(client, prefix, job!, two!.token);
    const after = await queue.getJob(two!.id);
    expect(await after?.getState()).toMatch(/waiting|delayed/);
    expect(after?.attemptsStarted).toBe(0);
    expect(after?.attemptsMade).toBe(0);
    holder.release();
  });
});
