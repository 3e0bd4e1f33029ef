import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';

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
      // A retried job gets all its attempts again (its starts and failures are reset).
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      result.retried.push({ id, queue: queue.name });
      break;
    }
    if (!found)
      result.problems.push(`no job ${id} in queue ${queues.map((q) => `'${q.name}'`).join(', ')}`);
  }
  return result;
}

/** Moves every failed job of the queues back to waiting; the count per queue. */
export async function retryAll(
  client: RedisClient,
  queues: Queue[],
): Promise<{ queue: string; retried: number }[]> {
  const results: { queue: string; retried: number }[] = [];
  for (const queue of queues) {
    const count = await queue.getFailedCount();
    if (count > 0) {
      // BullMQ's bulk retry keeps the attempt counts: reset them first, as job.retry can.
      await resetAttempts(client, queue);
      // retryJobs walks the failed set in batches of `count` inside Redis until it is empty.
      await queue.retryJobs({ state: 'failed', count: 1_000 });
    }
    results.push({ queue: queue.name, retried: count });
  }
  return results;
}

/** Resets `ats` and `atm` of every failed job of a queue, a batch per call, inside Redis. */
const RESET_ATTEMPTS_SCRIPT = `
local ids = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3])
for _, id in ipairs(ids) do redis.call('HDEL', ARGV[1] .. id, 'ats', 'atm') end
return #ids`;
const RESET_BATCH = 1_000;

async function resetAttempts(client: RedisClient, queue: Queue): Promise<void> {
  const keyPrefix = queue.toKey('');
  for (let start = 0; ; start += RESET_BATCH) {
    const done = (await client.eval(
      RESET_ATTEMPTS_SCRIPT,
      1,
      queue.toKey('failed'),
      keyPrefix,
      start,
      start + RESET_BATCH - 1,
    )) as number;
    if (done < RESET_BATCH) return;
  }
}
