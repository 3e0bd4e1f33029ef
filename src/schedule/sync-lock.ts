import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../definitions/duration.js';
import { RunStoppedError, SyncLockBusyError } from '../errors.js';
import type { RedisClient } from '../redis/connection.js';

/**
 * The lock under which one daemon at a time changes job schedulers (the sync, and the
 * per-host schedulers of `runOn: all` jobs). Concurrent upserts of one scheduler are how
 * doubled ticks happen; one writer at a time rules them out.
 */
export const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 60_000;

/**
 * Waits for the lock (a daemon starting must sync), or throws SyncLockBusyError after
 * `waitMs`, or RunStoppedError at once when `signal` fires (a stop during start-up must
 * not wait out another's sync).
 */
export async function acquireLock(
  client: RedisClient,
  key: string,
  token: string,
  signal?: AbortSignal,
  waitMs = LOCK_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await tryLock(client, key, token))) {
    if (signal?.aborted) throw new RunStoppedError('stopped while waiting for the sync lock');
    if (Date.now() > deadline) {
      throw new SyncLockBusyError(
        `another daemon has held the schedule sync lock (${key}) for over ${formatDuration(waitMs)} and is still changing the schedules; try again once it is done (\`jobs status\` lists the daemons)`,
      );
    }
    await sleep(100 + Math.random() * 200, undefined, { signal }).catch(() => undefined);
  }
}

/** Takes the lock if free; a periodic task that finds it taken simply waits for its next turn. */
export async function tryLock(client: RedisClient, key: string, token: string): Promise<boolean> {
  return (await client.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK';
}

const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export async function releaseLock(client: RedisClient, key: string, token: string): Promise<void> {
  await client.eval(RELEASE_SCRIPT, 1, key, token).catch(() => undefined);
}
