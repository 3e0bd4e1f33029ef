import type { RedisTarget } from '../config/settings.js';
import { openRedis, type RedisClient } from '../redis/connection.js';
import { META, metaKey } from '../redis/keys.js';

/**
 * How `jobs restart` reaches every worker and daemon on every host (SPEC §5).
 *
 * The request raises a generation counter stored in Redis and publishes the new value on
 * a channel of the same name. Each process reads the generation when it starts; any
 * higher value means "restart". Pub/sub delivers within milliseconds; the stored value
 * is the fallback for a process that missed the message (its subscriber was
 * reconnecting): it reads the value again between jobs (at most every
 * BETWEEN_JOBS_CHECK_MS) and every RESTART_POLL_INTERVAL_MS. A counter rather than a timestamp, so clocks of different
 * hosts never need to agree.
 */
export const RESTART_POLL_INTERVAL_MS = 5_000;
/**
 * Between jobs the stored value is read at most this often: a read after every job cost
 * a busy worker a sixth of its throughput, for a fallback the pub/sub message rarely needs.
 */
export const BETWEEN_JOBS_CHECK_MS = 1_000;

export function restartKey(prefix: string): string {
  return metaKey(prefix, META.restart);
}

/** Raises the generation and announces it; returns the new generation. */
export async function requestRestart(client: RedisClient, prefix: string): Promise<number> {
  const key = restartKey(prefix);
  const generation = await client.incr(key);
  await client.publish(key, String(generation));
  return generation;
}

export interface RestartWatcherOptions {
  /** Where to open the long-lived connection to subscribe with (it reconnects forever). */
  target: RedisTarget;
  /** A connection that may run ordinary commands (the subscriber cannot). */
  client: RedisClient;
  prefix: string;
  onRestart: (generation: number) => void;
}

/**
 * Watches for restart requests newer than the one current when it started. Fires
 * `onRestart` once per newer generation; `check()` re-reads the stored value, and
 * `betweenJobs()` does when the last read is older than BETWEEN_JOBS_CHECK_MS.
 */
export class RestartWatcher {
  private subscriber: RedisClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private baseline: number | undefined;
  private stopped = false;
  private lastCheckAt = 0;

  constructor(private readonly options: RestartWatcherOptions) {}

  async start(): Promise<void> {
    const { target, prefix } = this.options;
    const key = restartKey(prefix);
    // Subscribe before reading the baseline, so no request falls between the two.
    const subscriber = openRedis(target, 'worker');
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // outages are reported by the main connections
    subscriber.on('message', (_channel: string, message: string) => this.offer(Number(message)));
    // After a reconnect ioredis subscribes again, but messages sent meanwhile are lost.
    subscriber.on('ready', () => void this.check());
    await subscriber.subscribe(key).catch(() => undefined);
    this.baseline = await this.read();
    this.timer = setInterval(() => void this.check(), RESTART_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  /** Reads the stored generation and fires if it is newer than ours. Never throws. */
  async check(): Promise<void> {
    if (this.baseline === undefined || this.stopped) return;
    this.lastCheckAt = Date.now();
    const generation = await this.read().catch(() => undefined);
    if (generation !== undefined) this.offer(generation);
  }

  /** Call after each job: a check, unless one was made within BETWEEN_JOBS_CHECK_MS. */
  betweenJobs(now = Date.now()): void {
    if (now - this.lastCheckAt >= BETWEEN_JOBS_CHECK_MS) void this.check();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.subscriber?.disconnect();
  }

  private async read(): Promise<number> {
    return Number((await this.options.client.get(restartKey(this.options.prefix))) ?? 0);
  }

  private offer(generation: number): void {
    if (this.stopped || this.baseline === undefined || !Number.isFinite(generation)) return;
    if (generation <= this.baseline) return;
    this.baseline = generation;
    this.options.onRestart(generation);
  }
}
