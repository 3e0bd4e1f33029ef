import type { RedisClient } from '../redis/connection.js';
import { bullKey, DELAYED_SCORE_FACTOR, schedulersKey } from '../redis/keys.js';
import { execPipeline } from './inspect.js';

/**
 * When things fire next, from BullMQ's own sorted sets: each queue's job schedulers
 * (`repeat`) and its delayed jobs, and the marker that wakes a queue's idle consumers.
 * Read directly, as the listings in inspect.ts are; its test compares them with BullMQ.
 */

/**
 * The due time (ms) of each queue's earliest delayed job (a scheduler's next tick, a
 * retry waiting out its backoff), in one round trip; undefined for a queue with none.
 */
export async function nextDelayedDue(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
): Promise<(number | undefined)[]> {
  const reads = client.pipeline();
  for (const queue of queues)
    reads.zrange(bullKey(prefix, queue, 'delayed'), '0', '0', 'WITHSCORES');
  const replies = (await execPipeline(reads)) as string[][];
  return replies.map((reply) =>
    reply[1] === undefined ? undefined : Math.floor(Number(reply[1]) / DELAYED_SCORE_FACTOR),
  );
}

/**
 * Wakes a queue's idle consumers as a new waiting job does: BullMQ's marker with score 0
 * ends a consumer's blocking wait, and the consumer then moves every delayed job that is
 * due to the wait list before taking one.
 */
export async function wakeConsumers(
  client: RedisClient,
  prefix: string,
  queue: string,
): Promise<void> {
  await client.zadd(bullKey(prefix, queue, 'marker'), 0, '0');
}

/**
 * Every job scheduler of a queue and when it fires next (ms), in one read: what the sync
 * compares the file with and what `jobs list` shows, for 10,000 jobs one command, not
 * one a job.
 */
export async function schedulersOf(
  client: RedisClient,
  prefix: string,
  queue: string,
): Promise<Map<string, number>> {
  const flat = await client.zrange(schedulersKey(prefix, queue), '0', '-1', 'WITHSCORES');
  const next = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) next.set(flat[i] as string, Number(flat[i + 1]));
  return next;
}

/** When a job scheduler fires next (ms), or undefined when there is no such scheduler. */
export async function schedulerNext(
  client: RedisClient,
  prefix: string,
  queue: string,
  schedulerId: string,
): Promise<number | undefined> {
  const score = await client.zscore(schedulersKey(prefix, queue), schedulerId);
  return score === null ? undefined : Number(score);
}
