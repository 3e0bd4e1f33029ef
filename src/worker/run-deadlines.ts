import { RunTimeoutError } from '../errors.js';
import { formatDuration } from '../definitions/duration.js';
import type { RunAbort } from './run-abort.js';

/**
 * The runs in progress in one worker process, and their timeouts: one timer for them
 * all, set for the earliest deadline, instead of a timer made and cleared for every run.
 * Runs of one job start in deadline order, so a new run seldom moves the timer; a run
 * that ends leaves it set, and when it fires it aborts whatever is past its deadline and
 * sets itself for the next one (or not at all).
 */
export class RunDeadlines {
  private readonly runs = new Set<RunAbort>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  add(run: RunAbort): void {
    this.runs.add(run);
    if (run.deadline < this.timerAt) this.setTimer(run.deadline);
  }

  delete(run: RunAbort): void {
    this.runs.delete(run);
  }

  /** A forced stop: abort every run in progress with `reason`. */
  abortAll(reason: () => Error): void {
    for (const run of this.runs) run.abort(reason());
  }

  private setTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // setTimeout takes at most 2^31-1 ms; a later deadline is looked at again then.
    this.timer = setTimeout(this.expire, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1));
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const run of this.runs) {
      if (run.deadline <= now) {
        run.abort(
          new RunTimeoutError(
            `timed out after ${formatDuration(run.timeoutMs)} (the job's timeout)`,
          ),
        );
      } else if (run.deadline < next) next = run.deadline;
    }
    if (next < Infinity) this.setTimer(next);
  };
}
