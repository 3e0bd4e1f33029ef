import type { Queue } from 'bullmq';

/**
 * Moving failed jobs back to waiting is a write: it goes through BullMQ's own scripts,
 * unlike the read-only listings of inspect.ts.
 */

export interface RetryResult {
  retried: { id: string; queue: string }[];
  problems: string[];
}

/** Moves the named failed jobs back to waiting; ids not found or not failed are reported. */
export async function retryByIds(queues: Queue[], ids: readonly string[]): Promise<RetryResult> {
  const result: RetryResult = { retried: [], problems: [] };
  for (const id of ids) {
    let found = false;
    for (const queue of queues) {
      const job = await queue.getJob(id);
      if (!job) continue;
      found = true;
      const state = await job.getState();
      if (state !== 'failed') {
        result.problems.push(`job ${id} in queue '${queue.name}' is ${state}, not failed`);
        break;
      }
      await job.retry('failed');
      result.retried.push({ id, queue: queue.name });
      break;
    }
    if (!found)
      result.problems.push(`no job ${id} in queue ${queues.map((q) => `'${q.name}'`).join(', ')}`);
  }
  return result;
}

/** Moves every failed job of the queues back to waiting; the count per queue. */
export async function retryAll(queues: Queue[]): Promise<{ queue: string; retried: number }[]> {
  const results: { queue: string; retried: number }[] = [];
  for (const queue of queues) {
    const count = await queue.getFailedCount();
    // retryJobs walks the failed set in batches of `count` inside Redis until it is empty.
    if (count > 0) await queue.retryJobs({ state: 'failed', count: 1_000 });
    results.push({ queue: queue.name, retried: count });
  }
  return results;
}
