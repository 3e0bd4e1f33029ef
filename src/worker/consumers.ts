import type { Worker } from 'bullmq';
import { returnRun } from '../queue/held-runs.js';
import type { RedisTarget } from '../config/settings.js';
import { splitHostQueue, withHostQueues } from '../schedule/host-queues.js';
import { openConsumer } from '../redis/bull.js';
import type { RedisClient } from '../redis/connection.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Definitions } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { PauseGuard } from './pause-guard.js';
import type { RunGuard } from './run-guard.js';
import type { RoleGuard } from './role-guard.js';
import { createProcessor, type ProcessorDeps, type RunHooks } from './processor.js';
import type { EventLoopWatch } from './event-loop-watch.js';
import { Watchdog, type QueueActivity } from './watchdog.js';
import { TickWake } from './tick-wake.js';
import { LogThrottle } from '../logging/log-throttle.js';
import { settlesWithin } from '../process/deadline.js';
import { isSecondCopy } from './tick-copies.js';

/**
 * Lock and stalled-check settings. A consumer renews its job locks every lockDuration/2;
 * one killed outright (SIGKILL, OOM, host lost) stops renewing, and the stalled check,
 * every STALLED_INTERVAL_MS on every live consumer, returns its jobs to the queue once
 * their lock has expired. So a killed worker's job runs again within LOCK_DURATION_MS +
 * STALLED_INTERVAL_MS (12 s), which leaves 3 s of slack under the 15 s SPEC §5 asks for:
 * timers on a loaded host fire late. Shorter values recover faster but make a worker
 * whose event loop is blocked for over LOCK_DURATION_MS / 2 (a CPU-bound module handler)
 * look dead, and its job run twice.
 */
export const LOCK_DURATION_MS = 8_000;
export const STALLED_INTERVAL_MS = 4_000;
/**
 * BullMQ fails a job stalled more often than this with "job stalled more than allowable
 * limit", whatever its attempts. Our processor counts every start against the job's own
 * `attempts` instead (SPEC §5), so BullMQ's count is set out of the way.
 */
export const MAX_STALLED_COUNT = 1_000_000;

/** How often stopping consumers look at their jobs and at close()'s progress. */
const STOP_POLL_MS = 100;
/**
 * close() waits on Redis with no deadline while Redis is away (BullMQ #4656, #2430). With
 * no job left running there is nothing to wait for: past this grace the stop goes on.
 */
const IDLE_CLOSE_GRACE_MS = 2_000;
/** After aborting the jobs, how long their return to the queue may take (Redis may be away). */
const ABORT_GRACE_MS = 5_000;

export interface QueueConsumersOptions {
  target: RedisTarget;
  prefix: string;
  definitions: Definitions;
  /** Queues to consume; default: every queue the definitions name. */
  queues?: readonly string[];
  concurrency: number;
  stopTimeoutMs: number;
  bus: JobsEventBus;
  log: Logger;
  pauseGuard?: PauseGuard;
  runGuard?: RunGuard;
  /** The operator's switch of a job (`jobs disable`): its ticks are skipped while it is set. */
  readSwitch?: ProcessorDeps['readSwitch'];
  /** This host's id: its consumers also take its own queues of `runOn: all` jobs. */
  hostId?: string;
  /** This host's roles: its consumers also take the role queues of jobs with one of them. */
  hostRoles?: readonly string[];
  roleGuard?: RoleGuard;
  /** A connection for the stuck-consumer watchdog (watchdog.ts); without it, none runs. */
  client?: RedisClient;
  /** Watches this process's own event loop (a worker with no daemon watching it). */
  loopWatch?: EventLoopWatch;
  /** Told the BullMQ consumer ids whenever they change (start, a consumer recreated). */
  onConsumers?: (consumers: { queues: string[]; consumers: string[] }) => void;
}

/**
 * One worker process's consumers: a BullMQ Worker per queue, taking that queue's jobs,
 * started and stopped together.
 */
export class QueueConsumers {
  private readonly consumers = new Map<string, Worker>();
  private readonly activity = new Map<string, QueueActivity>();
  private readonly processor: ReturnType<typeof createProcessor>;
  private watchdog: Watchdog | undefined;
  private tickWake: TickWake | undefined;
  private stopping: Promise<void> | undefined;
  private forcedAt: number | undefined;
  private readonly errorLog = new LogThrottle();
  private active = 0;
  readonly queues: readonly string[];

  constructor(private readonly options: QueueConsumersOptions) {
    this.processor = createProcessor({
      ...options,
      hooks: this.hooks,
      returnUncounted: options.client
        ? (job, token, dueAt) =>
            returnRun(options.client as RedisClient, options.prefix, job, token, dueAt)
        : undefined,
      isSecondCopy: options.client
        ? (job) => isSecondCopy(options.client as RedisClient, options.prefix, job)
        : undefined,
    });
    const fromDefinitions = [
      ...new Set([...options.definitions.jobs.values()].map((job) => job.queue)),
    ];
    const queues =
      options.queues && options.queues.length > 0
        ? options.queues
        : fromDefinitions.length > 0
          ? fromDefinitions
          : ['default'];
    this.queues = options.hostId
      ? withHostQueues(queues, options.definitions, options.hostId, options.hostRoles)
      : queues;
  }

  start(): void {
    const { bus, concurrency } = this.options;
    bus.emit('worker:starting', { queues: [...this.queues], concurrency });
    for (const queue of this.queues) this.consumers.set(queue, this.createConsumer(queue));
    this.announceConsumers();
    const client = this.options.client;
    if (client) {
      this.watchdog = new Watchdog({
        client,
        prefix: this.options.prefix,
        queues: this.queues,
        concurrency,
        activity: (queue) => this.queueActivity(queue),
        recreate: (queue, idleMs) => this.recreate(queue, idleMs),
      });
      this.watchdog.start();
      this.tickWake = new TickWake(client, this.options.prefix, this.queues);
      this.tickWake.start();
    }
    bus.emit('worker:started', { queues: [...this.queues], concurrency });
  }

  /**
   * Around every job the processor takes: the active counts, kept by the code that runs
   * the job (in its try/finally), never derived from events: a missing event must not
   * skew them.
   */
  private readonly hooks: RunHooks = {
    taken: (queue, job, definition) => {
      const activity = this.queueActivity(queue);
      this.active++;
      activity.active++;
      activity.lastStartAt = Date.now();
      const watch = this.options.loopWatch;
      if (watch && definition) {
        watch.runStarted(`${job.queueName}:${job.id}`, activity.lastStartAt + definition.timeoutMs);
      }
      // BullMQ made this scheduler's next tick as it handed this one out: time its wake-up.
      if (job.repeatJobKey) this.tickWake?.refresh();
    },
    released: (queue, job) => {
      this.active--;
      this.queueActivity(queue).active--;
      this.options.loopWatch?.runEnded(`${job.queueName}:${job.id}`);
    },
  };

  private announceConsumers(): void {
    const consumers = [...this.consumers.entries()];
    this.options.onConsumers?.({
      queues: consumers.map(([queue]) => queue),
      consumers: consumers.map(([, consumer]) => consumer.id),
    });
  }

  private createConsumer(queue: string): Worker {
    const consumer = openConsumer(queue, this.processor, this.options.target, {
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
      autorun: true,
    });
    consumer.on('error', (error) => this.reportError(error));
    this.queueActivity(queue).lastStartAt = Date.now();
    return consumer;
  }

  /** The watchdog found this queue's consumer stuck: drop it (it runs nothing) and start afresh. */
  private async recreate(queue: string, idleMs: number): Promise<void> {
    const old = this.consumers.get(queue);
    if (!old || this.stopping) return;
    this.options.bus.emit('worker:stuck', { queue, idleMs });
    this.consumers.set(queue, this.createConsumer(queue));
    this.announceConsumers();
    // Forced: the first close() call decides how it closes, and a graceful one can hang.
    await settlesWithin(old.close(true), ABORT_GRACE_MS);
  }

  private queueActivity(name: string): QueueActivity {
    // Runs of a host's own queue (`default@web-1`) are reported under their job queue.
    let activity = this.activity.get(name);
    if (activity) return activity;
    const queue = splitHostQueue(name).base;
    activity = this.activity.get(queue);
    if (!activity) {
      activity = { active: 0, lastStartAt: Date.now() };
      this.activity.set(queue, activity);
    }
    return activity;
  }

  /** Jobs running now in this process. */
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
    this.forcedAt ??= Date.now();
    this.processor.abortAll();
  }

  private async stopAll(reason: string): Promise<void> {
    this.options.bus.emit('worker:stopping', { reason, active: this.activeCount() });
    this.watchdog?.stop();
    this.tickWake?.stop();
    // close() takes no new job and resolves when the running ones are done.
    const consumers = [...this.consumers.values()];
    let closed = false;
    const closing = Promise.allSettled(consumers.map((consumer) => consumer.close())).then(
      () => (closed = true),
    );
    const deadline = Date.now() + this.options.stopTimeoutMs;
    let idleSince: number | undefined;
    while (!closed) {
      await Promise.race([closing, sleep(STOP_POLL_MS)]);
      if (closed) break;
      const now = Date.now();
      if (now >= deadline) this.forceStop();
      idleSince = this.active > 0 ? undefined : (idleSince ?? now);
      // Redis is away and close() waits for it: do not wait with nothing left to finish,
      // nor for aborted jobs that cannot reach the queue; the stalled check recovers them.
      if (idleSince !== undefined && now - idleSince >= IDLE_CLOSE_GRACE_MS) break;
      if (this.forcedAt !== undefined && now - this.forcedAt >= ABORT_GRACE_MS) break;
    }
    this.options.bus.emit('worker:stopped', { reason });
  }

  private reportError(error: Error): void {
    // Redis outages make every consumer report every reconnect: log once per interval.
    if (this.errorLog.allow()) this.options.log.error({ error: error.message }, 'worker error');
  }
}
