import type { JobsEventBus } from '../events.js';
import { splitHostQueue } from '../schedule/host-queues.js';
import { LOCK_DURATION_MS } from '../worker/consumers.js';
import type { ChildWorker } from './child.js';
import type { WorkerPool } from './pool.js';
import type { RunRecovery } from './run-recovery.js';

/**
 * A handler that never yields (`for (;;) {}`) blocks its worker's event loop: its own
 * timeout timer can never fire, its locks stop being renewed, and from inside nothing can
 * stop it. From outside, the daemon can: every forked worker says `jobs:alive` from a
 * timer (process/ipc.ts), and one silent for BLOCKED_AFTER_MS is blocked. Then:
 * - it is shown as blocked (status, `jobs_workers{state="blocked"}`, one log line naming
 *   the worker and its jobs), and the daemon keeps its runs locked, so that BullMQ's
 *   stalled check does not start them on a second worker (which would block as well);
 * - once one of its runs is past its timeout plus KILL_GRACE_MS, the worker is killed
 *   (SIGKILL: it cannot act on anything gentler) and its runs fail at once, each as a
 *   counted attempt (run-recovery.ts). The pool forks a replacement at once.
 * A worker blocked within its job's timeout (a long synchronous step) is left alone.
 * Cost: a 250 ms timer per worker and one small IPC message; Redis is read only for a
 * worker that is silent.
 */
export const LIVENESS_CHECK_MS = 500;
export const BLOCKED_AFTER_MS = 2_000;
export const KILL_GRACE_MS = 2_000;

export interface LivenessOptions {
  pool: WorkerPool;
  recovery: RunRecovery;
  bus: JobsEventBus;
  /** A job's timeout from the definitions, by name; undefined for an unknown name. */
  timeoutOf: (name: string) => number | undefined;
  onError: (error: Error) => void;
}

export class Liveness {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private lastCheckAt = Date.now();

  constructor(private readonly options: LivenessOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), LIVENESS_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    const now = Date.now();
    // The daemon's own loop was held up: its children's messages are still unread (timers
    // run before I/O), so silence now proves nothing. Judge on the next round.
    const late = now - this.lastCheckAt > LIVENESS_CHECK_MS * 3;
    this.lastCheckAt = now;
    if (late || this.checking) return;
    this.checking = true;
    try {
      for (const child of this.options.pool.children()) await this.checkChild(child, now);
    } catch (error) {
      this.options.onError(error as Error); // Redis away: the next round tries again
    } finally {
      this.checking = false;
    }
  }

  private async checkChild(child: ChildWorker, now: number): Promise<void> {
    if (child.readyAt === undefined || child.exited || child.killedFor) return;
    const { bus, recovery, pool } = this.options;
    if (now - child.lastAliveAt < BLOCKED_AFTER_MS) {
      if (child.blockedSince !== undefined) {
        bus.emit('worker:unblocked', {
          pid: child.pid,
          slot: child.slot,
          blockedMs: now - child.blockedSince,
        });
        child.blockedSince = undefined;
        child.blockedJobs = [];
      }
      return;
    }
    const runs = await recovery.held(child);
    if (child.blockedSince === undefined) {
      child.blockedSince = child.lastAliveAt;
      child.blockedJobs = runs.map((run) => ({
        id: run.id,
        name: run.name,
        queue: splitHostQueue(run.queue).base,
        since: run.startedAt,
      }));
      bus.emit('worker:blocked', {
        pid: child.pid,
        slot: child.slot,
        since: child.blockedSince,
        jobs: child.blockedJobs.map(({ id, name }) => ({ id, name })),
      });
    }
    await recovery.keepLocked(runs, LOCK_DURATION_MS);
    const culprits = runs.flatMap((run) => {
      const timeoutMs = this.options.timeoutOf(run.name);
      if (timeoutMs === undefined || now < run.startedAt + timeoutMs + KILL_GRACE_MS) return [];
      return [{ id: run.id, name: run.name, timeoutMs }];
    });
    if (culprits.length > 0) pool.kill(child, { reason: 'blocked', culprits });
  }
}
