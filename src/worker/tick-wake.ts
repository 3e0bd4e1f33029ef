import { nextDelayedDue, wakeConsumers } from '../queue/schedulers.js';
import type { RedisClient } from '../redis/connection.js';

/**
 * Starts a delayed job (a scheduler's next tick, a retry after its backoff) on time.
 *
 * An idle BullMQ consumer waits for the next delayed job in a blocking BZPOPMIN whose
 * timeout ends at the job's due time. Redis checks those timeouts in its cron, `hz` times
 * a second when idle: with Redis's default `hz 10` a per-second job started up to 100 ms
 * late (bench: p99 110 ms, for bare BullMQ alike). So each worker process also keeps its
 * own timer to the earliest delayed job of its queues, and at that time writes BullMQ's
 * marker, which ends the consumers' wait at once, as a newly added job would (bench, a
 * per-second job on hz 10, load 5–11: p50 15–38 → 4–5 ms, p99 103–110 → 25–43 ms).
 *
 * The due times are read from Redis (one ZRANGE per queue, pipelined): right after this
 * process started a tick (BullMQ has just made the next one), and every REFRESH_MS for
 * jobs delayed by anyone else. A wake that finds the job taken already costs its
 * consumers one fetch that returns nothing.
 */
export const REFRESH_MS = 1_000;

export class TickWake {
  private refreshTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt: number | undefined;
  private refreshing = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly queues: readonly string[],
  ) {}

  start(): void {
    this.refreshTimer = setInterval(() => this.refresh(), REFRESH_MS);
    this.refreshTimer.unref();
    this.refresh();
  }

  /** Reads the due times again now (a tick started here: its successor exists now). */
  refresh(): void {
    if (this.stopped) return;
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    nextDelayedDue(this.client, this.prefix, this.queues)
      .then((dues) => this.schedule(dues))
      .catch(() => undefined) // Redis away: the consumers wait as BullMQ's own do
      .finally(() => {
        this.refreshing = false;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.refreshTimer);
    clearTimeout(this.wakeTimer);
  }

  private schedule(dues: (number | undefined)[]): void {
    if (this.stopped) return;
    let earliest: number | undefined;
    for (const due of dues) if (due !== undefined && (earliest ?? Infinity) > due) earliest = due;
    if (earliest === undefined || earliest === this.wakeAt) return;
    // Due since long (a paused queue's ticks wait in `delayed`): waking would fetch nothing.
    const delay = earliest - Date.now();
    if (delay < -REFRESH_MS) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = earliest;
    this.wakeTimer = setTimeout(() => this.wake(dues, earliest), Math.max(0, delay));
    this.wakeTimer.unref();
  }

  private wake(dues: (number | undefined)[], at: number): void {
    this.wakeAt = undefined;
    this.wakeTimer = undefined;
    for (let index = 0; index < this.queues.length; index++) {
      if (dues[index] === at) {
        wakeConsumers(this.client, this.prefix, this.queues[index] as string).catch(
          () => undefined,
        );
      }
    }
  }
}
