import type { Queue } from 'bullmq';

/**
 * Jobs deleted per clean call. BullMQ's clean is one Lua script, which blocks Redis while
 * it runs: small batches keep every other client (workers, the CLI) responsive while
 * 100,000 old failed jobs go.
 */
export const PRUNE_BATCH = 1_000;
/** The daemon prunes this often (and once when it starts). */
export const PRUNE_INTERVAL_MS = 3_600_000;

export interface PruneAges {
  failedMs: number;
  completedMs: number;
}

export interface PruneResult {
  queue: string;
  failed: number;
  completed: number;
}

/** Deletes the failed and completed jobs of a queue that finished longer ago than the ages. */
export async function pruneQueue(queue: Queue, ages: PruneAges): Promise<PruneResult> {
  return {
    queue: queue.name,
    failed: await cleanAll(queue, ages.failedMs, 'failed'),
    completed: await cleanAll(queue, ages.completedMs, 'completed'),
  };
}

/** Deletes the jobs of one state that finished over `graceMs` ago, a batch per call, until none is left. */
export async function cleanAll(
  queue: Queue,
  graceMs: number,
  type: 'failed' | 'completed',
): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await queue.clean(graceMs, PRUNE_BATCH, type);
    total += removed.length;
    if (removed.length < PRUNE_BATCH) return total;
  }
}

export interface PrunerOptions {
  /** The queues to prune, looked up at each round (definitions can change on reload). */
  queues: () => Promise<Queue[]>;
  ages: PruneAges;
  onPruned: (results: PruneResult[]) => void;
  onError: (error: Error) => void;
}

/**
 * The daemon's hourly prune. BullMQ's removeOnFail/removeOnComplete ages only act when
 * another job finishes on the queue, so a quiet queue would keep old runs forever.
 */
export class Pruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: PrunerOptions) {}

  start(): void {
    if (this.timer || this.stopping) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a prune under way. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.running;
    })();
    return this.stopping;
  }

  private tick(): void {
    if (this.running) return; // the last round is still going: never two at once
    this.running = this.pruneAll().finally(() => (this.running = undefined));
  }

  private async pruneAll(): Promise<void> {
    try {
      const results: PruneResult[] = [];
      for (const queue of await this.options.queues())
        results.push(await pruneQueue(queue, this.options.ages));
      this.options.onPruned(results);
    } catch (error) {
      this.options.onError(error as Error);
    }
  }
}
