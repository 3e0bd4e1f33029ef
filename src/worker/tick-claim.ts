import type { Job } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { takeHeldKey } from '../redis/held-key.js';
import { tickClaimKey } from '../redis/keys.js';

/**
 * How long a tick's claim is kept. A second copy of a tick can only appear while a
 * re-sync's upsert is on its way to Redis (see claimTick), seconds at worst: minutes
 * cover it with room, and bound the keys to a few minutes of ticks.
 */
export const TICK_CLAIM_TTL_MS = 5 * 60_000;

/**
 * Whether this copy of a scheduler's tick may run: false when another copy of the same
 * tick was taken first. BullMQ's upsert of a scheduler (a re-sync of an edited job)
 * computes its first tick from the clock before its script runs; when the tick falls due
 * and is taken in between, the script enqueues the same tick again under the same id,
 * over the finished job (BullMQ 6.7, addJobScheduler-11.lua: a collision is overwritten
 * when the previous delayed tick was removed). Each copy is a new job with its own
 * creation time, which is what the claim holds; the first copy's retries, jitter waits
 * and recoveries keep it and pass.
 */
export async function claimTick(client: RedisClient, prefix: string, job: Job): Promise<boolean> {
  const key = tickClaimKey(prefix, job.queueName, job.id ?? '');
  // Free, or claimed by this very copy (a retry, a jitter wait, a recovered run): take it.
  return takeHeldKey(client, key, String(job.timestamp), TICK_CLAIM_TTL_MS);
}
