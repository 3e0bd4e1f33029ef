import type { Job } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { activeTakes } from '../queue/inspect.js';

/**
 * Whether this take of a scheduler's tick is a second copy of a tick that already ran or
 * is running. BullMQ's upsert of a scheduler (a re-sync of an edited job) computes its
 * first tick from the clock before its script runs; when that tick falls due and is
 * taken in between, the script enqueues the same tick again under the same id, over the
 * taken job's hash (BullMQ 6.7, addJobScheduler-11.lua: a collision is written over when
 * the previous delayed tick was removed). The copy shares the first one's hash, so it is
 * told apart by what the first one left:
 *
 * - the first copy finished: the hash has `finishedOn`. BullMQ hands out a finished job
 *   again only through its retries by hand (`jobs retry`), and those clear it first;
 * - the first copy is still running: the job id is in the queue's active list twice.
 *
 * Anything else runs: the first copy waiting for its jitter or its retry's backoff (the
 * copy then is that wait cut short), or a run recovered after its worker died.
 */
export async function isSecondCopy(
  client: RedisClient,
  prefix: string,
  job: Job,
): Promise<boolean> {
  if (job.finishedOn) return true;
  return (await activeTakes(client, prefix, job.queueName, job.id ?? '')) > 1;
}
