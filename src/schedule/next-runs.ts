import { nextCronRuns } from '../definitions/cron.js';
import { hostSchedulerId, listHostQueues, splitHostQueue } from './host-queues.js';
import { schedulerNext, schedulersOf } from '../queue/schedulers.js';
import type { RedisClient } from '../redis/connection.js';
import type { StoredDefinition } from './stored.js';

/**
 * When a synced job runs next, as Redis sees it (`jobs list`, the admin page): the job
 * scheduler's next tick, then the ones after it by the same rule.
 */

/** The scheduler's next run, then the ones after it by the same rule. */
export function followingRuns(definition: StoredDefinition, next: number, count: number): number[] {
  if (count === 1) return [next];
  if (definition.every)
    return Array.from({ length: count }, (_, i) => next + i * (definition.every as number));
  if (definition.schedule) {
    return [
      next,
      ...nextCronRuns(definition.schedule, definition.timezone, count - 1, new Date(next)).map(
        (date) => date.getTime(),
      ),
    ];
  }
  return [next];
}

/** When a job's scheduler fires next; for `runOn: all`, that of any live host (they share the ticks). */
export async function findNextTick(
  client: RedisClient,
  prefix: string,
  definition: StoredDefinition,
): Promise<number | undefined> {
  if (!definition.fingerprint) return undefined;
  if (definition.runOn !== 'all')
    return schedulerNext(client, prefix, definition.queue, definition.name);
  for (const queue of await listHostQueues(client, prefix, new Set([definition.queue]))) {
    const { host } = splitHostQueue(queue);
    const next = host
      ? await schedulerNext(client, prefix, queue, hostSchedulerId(definition.name, host))
      : undefined;
    if (next !== undefined) return next;
  }
  return undefined;
}

/** The next `count` runs of a synced job (ms), none when it has no scheduler in Redis. */
export async function nextRunsOf(
  client: RedisClient,
  prefix: string,
  definition: StoredDefinition,
  count: number,
): Promise<number[]> {
  const next = await findNextTick(client, prefix, definition);
  return next === undefined ? [] : followingRuns(definition, next, count);
}

/**
 * Each job's next tick for a whole listing, read a queue at a time (one ZRANGE each, not
 * one ZSCORE a job as findNextTick does: `jobs list` of 10,000 jobs took 1.4 s).
 */
export class NextTicks {
  private readonly queues = new Map<string, Promise<Map<string, number>>>();
  private hostQueues: Promise<string[]> | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  async of(definition: StoredDefinition): Promise<number | undefined> {
    if (!definition.fingerprint) return undefined;
    if (definition.runOn !== 'all')
      return (await this.queue(definition.queue)).get(definition.name);
    this.hostQueues ??= listHostQueues(this.client, this.prefix);
    for (const queue of await this.hostQueues) {
      const { base, host } = splitHostQueue(queue);
      if (base !== definition.queue || !host) continue;
      const next = (await this.queue(queue)).get(hostSchedulerId(definition.name, host));
      if (next !== undefined) return next;
    }
    return undefined;
  }

  private queue(name: string): Promise<Map<string, number>> {
    let next = this.queues.get(name);
    if (!next) {
      next = schedulersOf(this.client, this.prefix, name);
      this.queues.set(name, next);
    }
    return next;
  }
}
