import { randomUUID } from 'node:crypto';
import type { JobsEventBus } from '../events.js';
import { closeWithin, withDeadline } from '../process/deadline.js';
import type { RedisClient } from './connection.js';
import { META, metaKey } from './keys.js';

/** How often the marker is read, besides on every reconnect: "noticed within seconds". */
export const DATA_LOSS_CHECK_INTERVAL_MS = 2_000;
/**
 * The daemon's client queues commands while Redis is away (maxRetriesPerRequest: null):
 * a read that is not answered by then is given up, and the next round tries again.
 */
const READ_TIMEOUT_MS = 1_500;

export interface DataLossWatchOptions {
  client: RedisClient;
  prefix: string;
  /** Where Redis is, in words, for the event. */
  target: string;
  bus: JobsEventBus;
  /** A scheduling daemon's re-sync; none with --no-scheduler (it only reports). */
  resync?: () => Promise<void>;
  /** A re-sync that failed with Redis up; the next round tries again. */
  onError: (error: Error) => void;
}

/**
 * Notices a Redis that came back empty (restarted without persistence, FLUSHALL, failover
 * to an empty replica). Reconnecting hides that: the client is ready again, but the job
 * schedulers are gone and nothing would run again. So every daemon keeps a marker key
 * (META.epoch, a random id set NX) and reads it every round and on every reconnect; gone,
 * or replaced by another daemon that saw the loss first, means the data was lost. Each loss
 * is reported once, then re-synced until that succeeds.
 */
export class DataLossWatch {
  private readonly key: string;
  /** The marker this daemon last saw; undefined until it has read one. */
  private marker: string | undefined;
  /** A loss seen and not yet recovered from: the next rounds retry the re-sync. */
  private lost = false;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly onReady = () => void this.checkNow();

  constructor(private readonly options: DataLossWatchOptions) {
    this.key = metaKey(options.prefix, META.epoch);
  }

  /** After the daemon's first sync: what Redis holds now is the state to watch. */
  start(): void {
    if (this.timer || this.stopping) return;
    this.options.client.on('ready', this.onReady);
    this.timer = setInterval(this.onReady, DATA_LOSS_CHECK_INTERVAL_MS);
    this.timer.unref();
    void this.checkNow();
  }

  /** One round now; one already under way (a re-sync waiting for Redis) is not doubled. */
  checkNow(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.round ??= this.check()
      .catch(() => undefined) // Redis away or slow: the next round or reconnect tries again
      .finally(() => (this.round = undefined));
    return this.round;
  }

  /** Idempotent. Does not wait long for a re-sync stuck on an absent Redis. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.options.client.off('ready', this.onReady);
      await closeWithin(READ_TIMEOUT_MS, () => this.round);
    })();
    return this.stopping;
  }

  private async check(): Promise<void> {
    if (this.options.client.status !== 'ready') return;
    if (!this.lost) {
      if (this.marker === undefined) return this.adopt();
      const now = await withTimeout(this.options.client.get(this.key));
      if (now === this.marker) return;
      this.lost = true;
      const { target, bus, resync } = this.options;
      bus.emit('redis:data-lost', {
        target,
        marker: now === null ? 'gone' : 'replaced',
        resync: resync !== undefined,
      });
    }
    try {
      await this.options.resync?.();
    } catch (error) {
      if (this.options.client.status === 'ready') this.options.onError(error as Error);
      throw error;
    }
    await this.adopt();
    this.lost = false;
  }

  /** Sets the marker unless another daemon did, and remembers the one Redis holds. */
  private async adopt(): Promise<void> {
    const replies = await withTimeout(
      this.options.client.multi().set(this.key, randomUUID(), 'NX').get(this.key).exec(),
    );
    const [error, value] = replies?.[1] ?? [new Error('the marker transaction was discarded')];
    if (error) throw error;
    this.marker = String(value);
  }
}

function withTimeout<T>(command: Promise<T>): Promise<T> {
  return withDeadline(command, READ_TIMEOUT_MS, `no answer from Redis within ${READ_TIMEOUT_MS}ms`);
}
