import type { Logger } from './logger.js';

/**
 * At `info`, each job's runs are logged one by one up to RUN_LINES_PER_SECOND runs a
 * second; past that, its further starts and completions in that second are only counted,
 * and one line says how many were left out. A scheduled job or a trickle of on-demand
 * runs is logged in full; a queue draining thousands of runs a second is not written
 * out run by run (its counts are in the metrics). Failures are always logged; `debug`
 * logs every run.
 *
 * Why: two JSON lines per run were a tenth of a busy worker's CPU (bench, 20,000 no-op
 * jobs at concurrency 100: 86 → 74 ms of CPU per 1,000 jobs without them).
 */
export const RUN_LINES_PER_SECOND = 10;
const WINDOW_MS = 1_000;

interface Window {
  start: number;
  logged: number;
  /** Start and end lines left out in this window. */
  started: number;
  completed: number;
}

export class RunLogBudget {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Logger) {}

  /** Whether to log this run's line now (true), or count it as left out. */
  take(job: string, kind: 'started' | 'completed', now = Date.now()): boolean {
    let window = this.windows.get(job);
    if (!window) {
      window = { start: now, logged: 0, started: 0, completed: 0 };
      this.windows.set(job, window);
    } else if (now - window.start >= WINDOW_MS) {
      this.report(job, window);
      window.start = now;
      window.logged = 0;
    }
    // A start and its end share one allowance: at the limit, both lines of a run go out.
    if (window.logged < RUN_LINES_PER_SECOND * 2) {
      window.logged++;
      return true;
    }
    window[kind]++;
    // Say it within a second even when no further run comes to close the window.
    this.timer ??= setTimeout(this.reportAll, WINDOW_MS).unref();
    return false;
  }

  private readonly reportAll = (): void => {
    this.timer = undefined;
    for (const [job, window] of this.windows) this.report(job, window);
  };

  private report(job: string, window: Window): void {
    if (window.started === 0 && window.completed === 0) return;
    this.log.info(
      { job, started: window.started, completed: window.completed },
      `job ${job}: ${window.started} starts and ${window.completed} completions not logged one by one (over ${RUN_LINES_PER_SECOND} runs a second; LOG_LEVEL=debug logs each)`,
    );
    window.started = 0;
    window.completed = 0;
  }
}
