import { Queue, type ConnectionOptions } from 'bullmq';
import { cleanAll } from './prune.js';
import type { RedisClient } from '../redis/connection.js';
import { bullJobKey, parseTickJobId } from '../redis/keys.js';
import { schedulerNext } from './schedulers.js';

/**
 * Deleting runs (`jobs remove`, the page's *Remove*) goes through BullMQ's own scripts,
 * which keep its indexes right (the state sets, the job's logs, dependencies, events).
 */

export interface RemoveResult {
  removed: string[];
  /** Running now: never removed (the worker would finish a run that no longer exists). */
  active: string[];
  /** In none of the queues. */
  missing: string[];
  /**
   * A job scheduler's next tick: BullMQ refuses to remove it, since the schedule would stop
   * with it; `jobs disable` is the way to stop a job's ticks.
   */
  scheduled: string[];
}

/**
 * A failed run's time is its worker's clock, which may be ahead of ours; every failed run
 * is removed if stamped up to this much in the future.
 */
const CLOCK_SKEW_MS = 86_400_000;

/**
 * Removes waiting, delayed, prioritized, failed and completed runs by id, each from the
 * first of `queues` that holds it (as `jobs retry` finds ids: `--queue` narrows it).
 */
export async function removeRuns(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  ids: readonly string[],
): Promise<RemoveResult> {
  const result: RemoveResult = { removed: [], active: [], missing: [], scheduled: [] };
  return withQueues(client, prefix, async (open) => {
    for (const id of ids) {
      const queueName = await findRunQueue(client, prefix, queues, id);
      if (queueName === undefined) {
        result.missing.push(id);
        continue;
      }
      result[await removeOne(client, prefix, open(queueName), id)].push(id);
    }
    return result;
  });
}

/**
 * Removes every failed run of the queues; the number removed. BullMQ's clean, in batches
 * (prune.ts): neither this process nor Redis holds 100,000 of them at once.
 */
export async function removeAllFailed(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
): Promise<number> {
  return withQueues(client, prefix, async (open) => {
    let total = 0;
    for (const name of queues) total += await cleanAll(open(name), -CLOCK_SKEW_MS, 'failed');
    return total;
  });
}

/** The first of the queues that holds a job with this id (its hash exists). */
export async function findRunQueue(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  id: string,
): Promise<string | undefined> {
  for (const queue of queues) {
    if ((await client.exists(bullJobKey(prefix, queue, id))) === 1) return queue;
  }
  return undefined;
}

async function removeOne(
  client: RedisClient,
  prefix: string,
  queue: Queue,
  id: string,
): Promise<keyof RemoveResult> {
  // BullMQ refuses a run whose lock is held; one whose worker died holds none but is still
  // active until the stalled check hands it out again: refused too.
  const state = await queue.getJobState(id);
  if (state === 'active') return 'active';
  if (state === 'unknown') return 'missing';
  if (await isSchedulerNextTick(client, prefix, queue.name, id)) return 'scheduled';
  try {
    return (await queue.remove(id)) === 1 ? 'removed' : 'active';
  } catch (error) {
    // Taken meanwhile, and BullMQ made the following tick: this one is no longer the next.
    if (await isSchedulerNextTick(client, prefix, queue.name, id)) return 'scheduled';
    throw error;
  }
}

async function isSchedulerNextTick(
  client: RedisClient,
  prefix: string,
  queue: string,
  id: string,
): Promise<boolean> {
  const tick = parseTickJobId(id);
  if (!tick) return false;
  return (await schedulerNext(client, prefix, queue, tick.schedulerId)) === tick.tick;
}

/**
 * BullMQ queues on the caller's connection, opened as needed and closed afterwards. Given
 * a client, BullMQ shares it and leaves it open (redis/bull.ts).
 */
async function withQueues<T>(
  client: RedisClient,
  prefix: string,
  body: (open: (name: string) => Queue) => Promise<T>,
): Promise<T> {
  const queues = new Map<string, Queue>();
  const open = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: client as ConnectionOptions, prefix });
      queue.on('error', () => undefined); // surfaced by the failing call
      queues.set(name, queue);
    }
    return queue;
  };
  try {
    return await body(open);
  } finally {
    await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
  }
}
