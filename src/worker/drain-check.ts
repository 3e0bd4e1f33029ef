import type { RedisClient } from '../redis/connection.js';

/**
 * Whether any job is due for a worker: `jobs work --stop-when-empty` and `jobs run` stop
 * when none is. Read straight from BullMQ's keys (one round trip for all queues): the
 * waiting list, the prioritized set, and delayed jobs due by `dueBefore` — BullMQ
 * scores a delayed job `due ms × 0x1000 + counter`. A paused queue has nothing due: its
 * waiting jobs start only after `jobs resume`.
 */
const DELAYED_SCORE_FACTOR = 0x1000;

export async function countDueJobs(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  dueBefore: number,
): Promise<number> {
  const pipeline = client.pipeline();
  for (const queue of queues) {
    const key = (suffix: string) => `${prefix}:${queue}:${suffix}`;
    pipeline.hexists(key('meta'), 'paused');
    pipeline.llen(key('wait'));
    pipeline.zcard(key('prioritized'));
    pipeline.zcount(key('delayed'), 0, (dueBefore + 1) * DELAYED_SCORE_FACTOR - 1);
  }
  const replies = (await pipeline.exec()) ?? [];
  let due = 0;
  for (let index = 0; index < queues.length; index++) {
    const [paused, waiting, prioritized, delayed] = replies
      .slice(index * 4, index * 4 + 4)
      .map(([error, value]) => {
        if (error) throw error;
        return Number(value);
      });
    if (paused) continue;
    due += (waiting ?? 0) + (prioritized ?? 0) + (delayed ?? 0);
  }
  return due;
}
