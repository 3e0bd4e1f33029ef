/**
 * How often a failure that repeats (Redis away, a write that keeps failing) is logged:
 * an outage makes every reconnect and every retry fail the same way, and one line per
 * interval says as much as a thousand.
 */
export const ERROR_LOG_INTERVAL_MS = 10_000;

/** Lets a report through at most once per interval. */
export class LogThrottle {
  private lastAt: number | undefined;

  constructor(private readonly intervalMs = ERROR_LOG_INTERVAL_MS) {}

  /** Whether to report now; when it is, the interval starts again. */
  allow(now = Date.now()): boolean {
    if (this.lastAt !== undefined && now - this.lastAt < this.intervalMs) return false;
    this.lastAt = now;
    return true;
  }

  /** The next report goes through at once: the trouble ended, a new one is news. */
  reset(): void {
    this.lastAt = undefined;
  }
}
