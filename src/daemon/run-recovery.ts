import { Job, type Queue } from 'bullmq';
import { formatDuration } from '../definitions/duration.js';
import type { JobsEventBus } from '../events.js';
import { splitHostQueue } from '../schedule/host-queues.js';
import { withDeadline } from '../process/deadline.js';
import {
  extendHeldRun,
  failHeldRun,
  findHeldRuns,
  returnRun,
  type HeldRun,
} from '../queue/held-runs.js';
import type { RedisClient } from '../redis/connection.js';
import type { ChildWorker } from './child.js';
import type { ChildExit } from './pool.js';

/** How long one recovery may wait on Redis before it leaves the rest to the stalled check. */
const RECOVERY_TIMEOUT_MS = 5_000;

export interface RunRecoveryOptions {
  client: RedisClient;
  prefix: string;
  /** The daemon's queues, opened on demand. */
  queue: (name: string) => Promise<Queue>;
  /** The daemon's bus: a failed run is logged, counted and recorded from there. */
  bus: JobsEventBus;
  onError: (error: Error) => void;
}

/**
 * What becomes of the runs a worker process held when it is gone or blocked (SPEC §5):
 * - it died (exit code, signal, OOM) or was killed for blocking: each run fails at once,
 *   as a counted attempt with the cause in words, and is retried after its backoff only
 *   while attempts remain — not after a stall window, and never beyond its attempts;
 * - it exited 0 or hit the stop timeout with runs still held: they go back uncounted;
 * - it is blocked but alive: its locks are kept, so no other worker starts its runs.
 * A host that vanished with its daemon is left to BullMQ's stalled check, whose restart
 * of the job counts as an attempt too (worker/processor.ts).
 */
export class RunRecovery {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: RunRecoveryOptions) {}

  /** The runs a worker holds now, by its consumers' lock tokens. */
  held(child: ChildWorker): Promise<HeldRun[]> {
    const { client, prefix } = this.options;
    return findHeldRuns(client, prefix, child.queues, child.consumers);
  }

  /** Keeps a blocked worker's runs locked for another `durationMs`. */
  async keepLocked(runs: readonly HeldRun[], durationMs: number): Promise<void> {
    await Promise.all(
      runs.map(async (run) => extendHeldRun(await this.queue(run), run, durationMs)),
    );
  }

  /**
   * Deals with the runs of a worker that exited; resolves with how many it held (0 when
   * Redis could not tell). `settle()` waits for recoveries under way.
   */
  recover(exit: ChildExit): Promise<number> {
    const work: Promise<number> = withTimeout(this.recoverRuns(exit), RECOVERY_TIMEOUT_MS)
      .catch((error: Error) => {
        this.options.onError(error);
        return 0;
      })
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
    return work;
  }

  /** Waits for recoveries under way (the daemon's stop), at most RECOVERY_TIMEOUT_MS. */
  async settle(): Promise<void> {
    await withTimeout(Promise.allSettled([...this.pending]), RECOVERY_TIMEOUT_MS).catch(
      () => undefined,
    );
  }

  private async recoverRuns({ child, code, signal, planned }: ChildExit): Promise<number> {
    const runs = await this.held(child);
    if (runs.length === 0) return 0;
    const uncounted = planned || child.killedFor?.reason === 'stop-timeout';
    for (const run of runs) {
      if (uncounted) {
        await this.giveBack(run);
        continue;
      }
      const cause = describeLostRun(child, run, code, signal);
      const failed = await failHeldRun(await this.queue(run), run, new Error(cause));
      if (!failed) continue;
      this.options.bus.emit('job:failed', {
        queue: splitHostQueue(run.queue).base,
        name: run.name,
        id: run.id,
        attempt: failed.attempt,
        durationMs: Math.max(0, Date.now() - run.startedAt),
        error: cause,
        willRetry: failed.willRetry,
        worker: child.pid,
      });
    }
    return runs.length;
  }

  private async giveBack(run: HeldRun): Promise<void> {
    const job = await Job.fromId(await this.queue(run), run.id);
    if (!job) return;
    await returnRun(this.options.client, this.options.prefix, job, run.token);
    this.options.bus.emit('job:returned', {
      queue: splitHostQueue(run.queue).base,
      name: run.name,
      id: run.id,
      attempt: run.attemptsStarted,
      reason: 'worker stopped',
    });
  }

  private queue(run: HeldRun): Promise<Queue> {
    return this.options.queue(run.queue);
  }
}

/** The failure of a run whose worker process died under it, in words (SPEC §5). */
export function describeLostRun(
  child: ChildWorker,
  run: HeldRun,
  code: number | null,
  signal: NodeJS.Signals | null,
): string {
  const cause = child.killedFor;
  if (cause?.reason === 'blocked') {
    const culprit = cause.culprits.find((entry) => entry.id === run.id);
    if (culprit)
      return `blocked the worker's event loop past its timeout of ${formatDuration(culprit.timeoutMs)}; the worker (pid ${child.pid}) was killed`;
    const first = cause.culprits[0];
    return `the worker (pid ${child.pid}) was killed during the run: job '${first?.name}' (id ${first?.id}) blocked its event loop past its timeout`;
  }
  if (signal) {
    const hint = signal === 'SIGKILL' ? " (kill -9, or the kernel's OOM killer)" : '';
    return `worker process ${child.pid} was killed by ${signal}${hint} during the run`;
  }
  return `worker process ${child.pid} exited with code ${code} during the run`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const message = `run recovery did not finish within ${formatDuration(ms)} (Redis slow or away)`;
  return withDeadline(promise, ms, message);
}
