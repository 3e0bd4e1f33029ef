import { EventEmitter } from 'node:events';

/**
 * The lifecycle events core code emits. Logging (logging/subscribe.ts) and metrics
 * subscribe in one place each, instead of being sprinkled through the logic.
 */

export interface JobRef {
  queue: string;
  name: string;
  id: string;
  /** 1 for the first try. */
  attempt: number;
}

export interface JobsEvents {
  'job:started': JobRef & {
    startedAt: number;
    /** A tick's due time (first attempt only); its lag is measured from it plus the jitter. */
    scheduledAt: number | undefined;
    /** How long after its due time the job's `jitter` meant this tick to start. */
    jitterMs?: number;
  };
  'job:completed': JobRef & { durationMs: number; summary: unknown };
  'job:failed': JobRef & {
    durationMs: number;
    error: string;
    willRetry: boolean;
    /** Set when the daemon failed the run because this worker process died under it. */
    worker?: number;
  };
  'job:skipped': JobRef & { reason: string };
  /** A second copy of a tick that already ran elsewhere (worker/tick-copies.ts): not run. */
  'job:duplicate': JobRef;
  'job:output': JobRef & { stream: 'stdout' | 'stderr'; line: string };
  /** Put back in the queue unfinished (worker stopped), the attempt not counted. */
  'job:returned': JobRef & { reason: string };
  'worker:starting': { queues: string[]; concurrency: number };
  'worker:started': { queues: string[]; concurrency: number };
  'worker:stopping': { reason: string; active: number };
  'worker:stopped': { reason: string };
  /** The watchdog found a queue's consumer idle with jobs due and Redis up: it is recreated. */
  'worker:stuck': { queue: string; idleMs: number };
  'worker:spawned': { pid: number; slot: number };
  /** A forked worker stopped answering: a handler blocks its event loop. */
  'worker:blocked': {
    pid: number;
    slot: number;
    since: number;
    jobs: { id: string; name: string }[];
  };
  'worker:unblocked': { pid: number; slot: number; blockedMs: number };
  /** The daemon killed a worker outright: blocked past a job's timeout, or past the stop timeout. */
  'worker:killed': {
    pid: number;
    slot: number;
    reason: 'blocked' | 'stop-timeout';
    jobs: { id: string; name: string }[];
  };
  'worker:exited': {
    pid: number;
    slot: number;
    code: number | null;
    signal: string | null;
    reason: string;
  };
  /** SIGHUP or `jobs restart`: the daemon restarts its workers, re-reads and re-syncs. */
  'daemon:reloading': { workers: number };
  'worker:restarting': { slot: number; reason: string; delayMs: number };
  'schedule:synced': {
    /** Jobs in the definitions file (scheduled or not). */
    jobs: number;
    added: string[];
    changed: string[];
    removed: string[];
    unchanged: string[];
    durationMs: number;
  };
  /** Per-host schedulers of `runOn: all` jobs added or removed (`<queue>@<host> <id>`). */
  'schedule:hosts': { upserted: string[]; removed: string[] };
  'metrics:listening': { url: string };
  /** The admin page is served at `url`; `access` says who may use it (web/access.ts). */
  'web:serving': { url: string; access: 'open' | 'token' | 'closed' };
  'queue:pruned': { queue: string; failed: number; completed: number };
  'redis:ready': { target: string; version?: string };
  'redis:error': { target: string; error: string };
  /** Usable again after an outage; `cause` is what the outage was, in words. */
  'redis:reachable': { target: string; downMs: number; cause: string };
  /**
   * Redis no longer holds what it held (restarted without persistence, FLUSHALL, failover
   * to an empty replica): our marker key is gone or another daemon replaced it after its
   * own loss. `resync`: this daemon re-syncs its schedules (false with --no-scheduler).
   */
  'redis:data-lost': { target: string; marker: 'gone' | 'replaced'; resync: boolean };
  'redis:warning': { message: string };
}

export type JobsEventName = keyof JobsEvents;

export class JobsEventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  emit<K extends JobsEventName>(event: K, payload: JobsEvents[K]): void {
    this.emitter.emit(event, payload);
  }

  on<K extends JobsEventName>(event: K, listener: (payload: JobsEvents[K]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
