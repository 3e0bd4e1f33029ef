import type { RedisClient } from '../redis/connection.js';
import { countQueues, type QueueCounts } from '../queue/inspect.js';

/** Scrapes within this long of each other share one round of reads. */
export const QUEUE_COUNTS_CACHE_MS = 1_000;

export type { QueueCounts };

/**
 * The queue gauges' source: each queue's job counts, which are O(1) per state (list and
 * sorted-set lengths), plus the paused flag, in one pipelined round trip. Never KEYS, SCAN or a walk over jobs, so a
 * scrape costs the same with ten jobs or ten million. Results are cached briefly so that
 * several Prometheus servers (or a dashboard refresh storm) cost one round of reads.
 */
export class QueueCountsReader {
  private cache: { at: number; counts: Promise<QueueCounts[] | undefined> } | undefined;

  constructor(
    /** A monitor connection: fails at once while Redis is away instead of queueing. */
    private readonly connection: RedisClient,
    private readonly prefix: string,
    private readonly queueNames: () => readonly string[],
  ) {}

  /** The counts of every queue, or undefined while Redis cannot be read. */
  read(now = Date.now()): Promise<QueueCounts[] | undefined> {
    if (this.cache && now - this.cache.at < QUEUE_COUNTS_CACHE_MS) return this.cache.counts;
    const counts = this.readAll();
    this.cache = { at: now, counts };
    return counts;
  }

  private async readAll(): Promise<QueueCounts[] | undefined> {
    if (this.connection.status !== 'ready') return undefined;
    try {
      return await countQueues(this.connection, this.prefix, this.queueNames());
    } catch {
      return undefined;
    }
  }
}
