import { Worker, type ConnectionOptions } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Definitions } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { PauseGuard } from './pause-guard.js';
import { createProcessor } from './processor.js';

/**
 * Lock and stalled-check settings. A worker renews its job locks every lockDuration/2;
 * one killed outright (SIGKILL, OOM, host lost) stops renewing, and the stalled check,
 * every STALLED_INTERVAL_MS on every live worker, returns its jobs to the queue. So a
 * killed worker's job runs again within LOCK_DURATION_MS + STALLED_INTERVAL_MS (15s).
 * Shorter values recover faster but make a worker whose event loop is blocked for
 * over 10s (a CPU-bound module handler) look dead, and its job run twice.
 */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;
/** A job whose worker died this many times in a row fails instead of running again. */
export const MAX_STALLED_COUNT = 2;

export interface JobsWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  definitions: Definitions;
  /** Queues to consume; default: every queue the definitions name. */
  queues?: readonly string[];
  concurrency: number;
  stopTimeoutMs: number;
  bus: JobsEventBus;
  log: Logger;
  pauseGuard?: PauseGuard;
}

/** One worker process's consumers: a BullMQ Worker per queue, started and stopped together. */
export class JobsWorker {
  private workers: Worker[] = [];
  private stopping: Promise<void> | undefined;
  private lastErrorLog = 0;
  private active = 0;
  private abortRuns: () => void = () => undefined;
  readonly queues: readonly string[];

  constructor(private readonly options: JobsWorkerOptions) {
    const { bus } = options;
    bus.on('job:started', () => this.active++);
    for (const done of ['job:completed', 'job:failed', 'job:returned'] as const)
      bus.on(done, () => this.active--);
    const fromDefinitions = [
      ...new Set([...options.definitions.jobs.values()].map((job) => job.queue)),
    ];
    this.queues =
      options.queues && options.queues.length > 0
        ? options.queues
        : fromDefinitions.length > 0
          ? fromDefinitions
          : ['default'];
  }

  start(): void {
    const { bus, concurrency } = this.options;
    bus.emit('worker:starting', { queues: [...this.queues], concurrency });
    const processor = createProcessor(this.options);
    this.abortRuns = processor.abortAll;
    for (const queue of this.queues) {
      const worker = new Worker(queue, processor, {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency,
        lockDuration: LOCK_DURATION_MS,
        stalledInterval: STALLED_INTERVAL_MS,
        maxStalledCount: MAX_STALLED_COUNT,
        autorun: true,
      });
      worker.on('error', (error) => this.reportError(error));
      this.workers.push(worker);
    }
    bus.emit('worker:started', { queues: [...this.queues], concurrency });
  }

  /** Jobs running now in this process, counted from the lifecycle events. */
  activeCount(): number {
    return this.active;
  }

  /**
   * Takes no new job, lets running ones finish, and past the stop timeout aborts them
   * (they go back to the queue, their attempt not counted). Idempotent.
   */
  stop(reason = 'signal'): Promise<void> {
    this.stopping ??= this.stopAll(reason);
    return this.stopping;
  }

  /** A second signal: abort running jobs now instead of waiting out the stop timeout. */
  forceStop(): void {
    this.abortRuns();
  }

  private async stopAll(reason: string): Promise<void> {
    this.options.bus.emit('worker:stopping', { reason, active: this.activeCount() });
    const closing = Promise.allSettled(this.workers.map((worker) => worker.close()));
    const finished = await Promise.race([
      closing.then(() => true),
      sleep(this.options.stopTimeoutMs).then(() => false),
    ]);
    if (!finished) {
      this.forceStop();
      // close() waits on Redis forever while it is away (BullMQ #4656): force it then.
      const closed = await Promise.race([closing.then(() => true), sleep(5_000).then(() => false)]);
      if (!closed)
        await Promise.race([
          Promise.allSettled(this.workers.map((worker) => worker.close(true))),
          sleep(2_000),
        ]);
    }
    this.options.bus.emit('worker:stopped', { reason });
  }

  private reportError(error: Error): void {
    // Redis outages make every consumer report every reconnect: log once per 10s.
    const now = Date.now();
    if (now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.options.log.error({ error: error.message }, 'worker error');
  }
}
