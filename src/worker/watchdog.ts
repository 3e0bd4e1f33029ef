import type { RedisClient } from '../redis/connection.js';
import { countDueJobs } from '../queue/inspect.js';

/**
 * A consumer (a BullMQ Worker) can stay idle after Redis comes back from an outage
 * (BullMQ issues #2466, #3185): its own connections never report ready again, though
 * Redis is fine. The maintainers' advice is to close such a Worker and create a new one.
 * The watchdog does that when the symptom is plain: RedisClient has been reachable for
 * STUCK_AFTER_MS, jobs are due on a queue, and this process has started none from it in
 * that time though it has room. A healthy idle consumer would have taken them within
 * milliseconds; a busy process leaves none due. BullMQ 6.7 recovers by itself in our
 * tests: this is the backstop.
 */
export const WATCHDOG_INTERVAL_MS = 5_000;
export const STUCK_AFTER_MS = 30_000;

export interface QueueActivity {
  /** Jobs this process runs from the queue now. */
  active: number;
  /** When this process last started a job from the queue, or created its consumer. */
  lastStartAt: number;
}

export interface StuckInput extends QueueActivity {
  now: number;
  concurrency: number;
  /** Since when Redis has been reachable without a break; undefined while it is not. */
  redisReadySince: number | undefined;
  dueJobs: number;
  stuckAfterMs: number;
}

/** Whether a queue's consumer looks stuck (see above). Pure, for the tests. */
export function isStuck(input: StuckInput): boolean {
  if (input.redisReadySince === undefined) return false;
  if (input.now - input.redisReadySince < input.stuckAfterMs) return false;
  if (input.dueJobs === 0 || input.active >= input.concurrency) return false;
  return input.now - input.lastStartAt >= input.stuckAfterMs;
}

export interface WatchdogOptions {
  client: RedisClient;
  prefix: string;
  queues: readonly string[];
  concurrency: number;
  activity: (queue: string) => QueueActivity;
  recreate: (queue: string, idleMs: number) => Promise<void>;
  stuckAfterMs?: number;
  intervalMs?: number;
}

/** Checks every WATCHDOG_INTERVAL_MS; recreates a stuck queue's consumer. */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private readySince: number | undefined;
  private checking = false;

  constructor(private readonly options: WatchdogOptions) {}

  start(): void {
    this.timer = setInterval(
      () => void this.check(),
      this.options.intervalMs ?? WATCHDOG_INTERVAL_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    const { client, prefix, concurrency } = this.options;
    const now = Date.now();
    this.readySince = client.status === 'ready' ? (this.readySince ?? now) : undefined;
    if (this.checking || this.readySince === undefined) return;
    this.checking = true;
    try {
      for (const queue of this.options.queues) {
        const activity = this.options.activity(queue);
        const input = {
          ...activity,
          now,
          concurrency,
          redisReadySince: this.readySince,
          stuckAfterMs: this.options.stuckAfterMs ?? STUCK_AFTER_MS,
          dueJobs: 1,
        };
        if (!isStuck(input)) continue; // cheap checks first; Redis only when they pass
        input.dueJobs = await countDueJobs(client, prefix, [queue], Date.now());
        if (isStuck(input) && this.timer)
          await this.options.recreate(queue, now - activity.lastStartAt);
      }
    } catch {
      // Redis went away mid-check: the next check starts over.
    } finally {
      this.checking = false;
    }
  }
}
