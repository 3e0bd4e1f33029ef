import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { redisNow } from '../redis/clock.js';
import { META, metaKey, pauseWindowsKey } from '../redis/keys.js';

/** Pause windows older than this are forgotten: no tick that old is still waiting. */
const WINDOW_KEEP_MS = 30 * 86_400_000;

export interface PauseState {
  queue: string;
  paused: boolean;
  /** ms since the queue is paused by `jobs pause`; undefined if not, or paused by other means. */
  since?: number;
}

/**
 * Maintenance mode for a queue: BullMQ's pause, so no worker on any host starts a job (the
 * running ones finish), plus the time it began, kept so that the ticks falling in the pause
 * can be told apart when processing resumes (see worker/pause-guard.ts).
 */
export async function pauseQueue(
  client: RedisClient,
  prefix: string,
  queue: Queue,
): Promise<PauseState> {
  // HSETNX: pausing twice keeps the first start, so no tick of the pause is forgotten.
  // The Redis clock: workers on other hosts compare ticks with these windows.
  await client.hsetnx(metaKey(prefix, META.paused), queue.name, String(await redisNow(client)));
  await queue.pause();
  return readPauseState(client, prefix, queue);
}

/**
 * Ends maintenance mode: records the window [since, now] first, then resumes, so a worker
 * that fetches a stale tick at once already sees the window it fell in.
 */
export async function resumeQueue(
  client: RedisClient,
  prefix: string,
  queue: Queue,
): Promise<PauseState> {
  const pausedKey = metaKey(prefix, META.paused);
  const since = Number(await client.hget(pausedKey, queue.name));
  const now = await redisNow(client);
  if (since > 0) {
    const windows = pauseWindowsKey(prefix, queue.name);
    await client
      .multi()
      .zadd(windows, now, `${since}:${now}`)
      .zremrangebyscore(windows, '-inf', now - WINDOW_KEEP_MS)
      .hdel(pausedKey, queue.name)
      .exec();
  }
  await queue.resume();
  return readPauseState(client, prefix, queue);
}

export async function readPauseState(
  client: RedisClient,
  prefix: string,
  queue: Queue,
): Promise<PauseState> {
  const [paused, since] = await Promise.all([
    queue.isPaused(),
    client.hget(metaKey(prefix, META.paused), queue.name),
  ]);
  return { queue: queue.name, paused, ...(paused && since ? { since: Number(since) } : {}) };
}

/** The pause window that holds `at`, if any: [start, end] in ms. */
export async function findPauseWindow(
  client: RedisClient,
  prefix: string,
  queue: string,
  at: number,
): Promise<[number, number] | undefined> {
  // Windows are scored by their end: the first one ending at or after `at` is the only candidate.
  const [member] = await client.zrangebyscore(
    pauseWindowsKey(prefix, queue),
    at,
    '+inf',
    'LIMIT',
    0,
    1,
  );
  if (!member) return undefined;
  const [start, end] = member.split(':').map(Number) as [number, number];
  return start <= at && at <= end ? [start, end] : undefined;
}
