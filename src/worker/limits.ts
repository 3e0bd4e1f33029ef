import type { JobsEventBus } from '../events.js';

/**
 * Worker recycling, as `queue:work` has it: after a number of jobs, a running time or a
 * memory size, the worker finishes what it runs, exits 0 and its supervisor starts a
 * fresh one. Handlers that leak memory or hold stale state then cost nothing.
 */
export type LimitReason = 'max-jobs' | 'max-time' | 'max-memory';

export interface RecycleLimits {
  /** Jobs to start before recycling (`--max-jobs`; `--once` is 1). */
  maxJobs?: number;
  maxTimeMs?: number;
  maxMemoryMb?: number;
}

/** Memory is read after each job and this often while idle (a leak can grow between jobs). */
export const MEMORY_CHECK_INTERVAL_MS = 5_000;
const BYTES_PER_MB = 1024 * 1024;

/**
 * Calls `onLimit` once, the moment a limit is reached. The job count is taken when a job
 * starts, so the worker stops fetching before the last one ends: with concurrency 1 it
 * runs exactly `maxJobs` jobs (with more, the jobs already running also finish).
 */
export class LimitWatcher {
  private started = 0;
  private fired = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly limits: RecycleLimits,
    private readonly bus: JobsEventBus,
    private readonly onLimit: (reason: LimitReason) => void,
  ) {}

  start(): void {
    const { maxJobs, maxTimeMs, maxMemoryMb } = this.limits;
    if (maxJobs !== undefined) {
      this.unsubscribe.push(
        this.bus.on('job:started', () => {
          this.started++;
          if (this.started >= maxJobs) this.fire('max-jobs');
        }),
      );
    }
    if (maxTimeMs !== undefined) {
      this.timers.push(setTimeout(() => this.fire('max-time'), maxTimeMs));
    }
    if (maxMemoryMb !== undefined) {
      const check = () => {
        // rss() alone: memoryUsage() also walks the V8 heap spaces, at every run's end.
        if (process.memoryUsage.rss() / BYTES_PER_MB >= maxMemoryMb) this.fire('max-memory');
      };
      for (const done of ['job:completed', 'job:failed'] as const)
        this.unsubscribe.push(this.bus.on(done, check));
      const timer = setInterval(check, MEMORY_CHECK_INTERVAL_MS);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private fire(reason: LimitReason): void {
    if (this.fired) return;
    this.fired = true;
    this.stop();
    this.onLimit(reason);
  }
}
