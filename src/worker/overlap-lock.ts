import type { RedisClient } from '../redis/connection.js';
import { overlapLockKey } from '../redis/keys.js';

/**
 * The lock an `overlap: forbid` run holds while it runs, on every host. Short-lived and
 * renewed, like BullMQ's own job locks: a run whose process dies outright (SIGKILL, OOM,
 * host lost) stops renewing and the lock is gone OVERLAP_LOCK_TTL_MS later, so a crash
 * never blocks the job for good. A run that ends releases it at once; one that hangs is
 * aborted at its timeout and releases it then.
 */
export const OVERLAP_LOCK_TTL_MS = 15_000;
export const OVERLAP_LOCK_RENEW_MS = 5_000;

/**
 * Free, or held by this very job (a run recovered after its worker died, or a retry):
 * take it. Anything else holds it: the run is still active elsewhere.
 */
const ACQUIRE_SCRIPT = `
local holder = redis.call('get', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export interface OverlapLease {
  release(): Promise<void>;
}

/** Takes the lock named `lockName` for `holder`, or returns undefined if another run has it. */
export async function acquireOverlapLock(
  client: RedisClient,
  prefix: string,
  lockName: string,
  holder: string,
): Promise<OverlapLease | undefined> {
  const key = overlapLockKey(prefix, lockName);
  const taken = await client.eval(ACQUIRE_SCRIPT, 1, key, holder, OVERLAP_LOCK_TTL_MS);
  if (taken !== 1) return undefined;
  const timer = setInterval(() => {
    // A renewal lost to a Redis hiccup is retried next time; the TTL covers two misses.
    client.eval(RENEW_SCRIPT, 1, key, holder, OVERLAP_LOCK_TTL_MS).catch(() => undefined);
  }, OVERLAP_LOCK_RENEW_MS);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await client.eval(RELEASE_SCRIPT, 1, key, holder).catch(() => undefined);
    },
  };
}
