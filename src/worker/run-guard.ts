import type { Job } from 'bullmq';
import type { JobDefinition } from '../definitions/types.js';
import { redisNow } from '../redis/clock.js';
import type { RedisClient } from '../redis/connection.js';
import { isMissedTick } from './missed.js';
import { acquireOverlapLock, type OverlapLease } from './overlap-lock.js';
import { parseTickJobId } from '../redis/keys.js';

/** A run may go ahead (with the lease to release when it ends), or is skipped, and why. */
export type RunDecision = { run: true; lease?: OverlapLease } | { run: false; reason: string };

/**
 * The checks between fetching a job and running it that span hosts: `missed: skip` (is
 * this tick a leftover of downtime?) and `overlap: forbid` (is the last run still active
 * anywhere?). Both read Redis, and the first the Redis clock, so hosts whose clocks
 * differ by seconds decide alike.
 */
export class RunGuard {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  async decide(job: Job, definition: JobDefinition): Promise<RunDecision> {
    // From the id, not the scheduler: a tick forwarded to a role queue is checked alike.
    const tick = job.id ? parseTickJobId(job.id)?.tick : undefined;
    // A first try only: a retry or a run recovered after a crash is not a missed tick.
    if (tick !== undefined && job.attemptsMade === 0 && job.stalledCounter === 0) {
      if (
        definition.missed === 'skip' &&
        isMissedTick(definition, tick, await redisNow(this.client))
      )
        return { run: false, reason: 'missed while no daemon ran (missed: skip)' };
    }
    if (definition.overlap !== 'forbid') return { run: true };
    // Per scheduler: a `runOn: all` job's runs on different hosts do not block each other.
    const lockName = job.repeatJobKey ?? job.name;
    const lease = await acquireOverlapLock(this.client, this.prefix, lockName, job.id ?? '');
    return lease
      ? { run: true, lease }
      : { run: false, reason: 'the previous run is still active (overlap: forbid)' };
  }
}
