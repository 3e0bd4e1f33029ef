import type { JobsEventBus } from '../events.js';
import { readTally, RunTally, type TallyData } from '../metrics/run-tally.js';
import { recordEvents } from '../metrics/subscribe.js';

/**
 * The one boundary between the daemon and the worker processes it forks: every message
 * on the IPC channel the pool opens, its type guard, and the sending side. Both sides
 * import this file; neither imports the other.
 *
 * daemon → worker
 * - `jobs:restart`: finish the running jobs, exit 0. A message rather than SIGTERM, so a
 *   stop signal that follows still counts as the first one.
 * - `jobs:activate`: a spare (started ahead of time, STANDBY_ENV set) becomes a worker.
 *
 * worker → daemon
 * - `jobs:standby`: a spare has loaded its modules and waits for `jobs:activate`.
 * - `jobs:ready`: consuming now; names the queues and the BullMQ consumer ids, whose
 *   lock tokens (`<consumer id>:<n>`) tell the daemon in Redis which runs are this
 *   process's, should it die or block. Sent again when a consumer is recreated.
 * - `jobs:alive`: every ALIVE_INTERVAL_MS from a timer. Its absence means the event loop
 *   is blocked (a handler that never yields): the daemon's liveness check acts on it.
 * - `jobs:exiting`: why it is about to exit 0 (restart, recycling limit), so the pool
 *   counts `jobs_worker_restarts_total{reason}` by the real reason.
 * - `jobs:runs`: the run metrics since the last such message, for the daemon's metrics
 *   (the relay below).
 */

export const EXIT_REASONS = Object.freeze([
  'restart',
  'max-jobs',
  'max-time',
  'max-memory',
] as const);
export type ExitReason = (typeof EXIT_REASONS)[number];

/** How often a worker says it is alive; well under the daemon's BLOCKED_AFTER_MS. */
export const ALIVE_INTERVAL_MS = 250;

/** Set by the pool on a spare: load the modules, say `jobs:standby`, wait. */
export const STANDBY_ENV = 'JOBS_WORKER_STANDBY';
/** Set by the pool when the daemon serves metrics; otherwise children relay nothing. */
export const RELAY_ENV = 'JOBS_RELAY_EVENTS';
/** Set by the pool: the worker's slot in the pool. Its presence means "forked by a daemon". */
export const SLOT_ENV = 'JOBS_WORKER_SLOT';

export interface RestartMessage {
  type: 'jobs:restart';
}
export interface ActivateMessage {
  type: 'jobs:activate';
}
export interface StandbyMessage {
  type: 'jobs:standby';
}
export interface ReadyMessage {
  type: 'jobs:ready';
  /** BullMQ queue names consumed (host queues included: `default@web-1`). */
  queues: string[];
  /** BullMQ Worker ids: the prefix of every lock token this process holds. */
  consumers: string[];
}
export interface AliveMessage {
  type: 'jobs:alive';
  /** Jobs running now: the pool's busy/idle. */
  active: number;
}
export interface ExitingMessage {
  type: 'jobs:exiting';
  reason: ExitReason;
}

export const RESTART_MESSAGE: RestartMessage = Object.freeze({ type: 'jobs:restart' });
export const ACTIVATE_MESSAGE: ActivateMessage = Object.freeze({ type: 'jobs:activate' });
export const STANDBY_MESSAGE: StandbyMessage = Object.freeze({ type: 'jobs:standby' });

type Message = { type: string };

function hasType(message: unknown, type: string): message is Message {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
  );
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

export function isRestartMessage(message: unknown): message is RestartMessage {
  return hasType(message, 'jobs:restart');
}
export function isActivateMessage(message: unknown): message is ActivateMessage {
  return hasType(message, 'jobs:activate');
}
export function isStandbyMessage(message: unknown): message is StandbyMessage {
  return hasType(message, 'jobs:standby');
}
export function isReadyMessage(message: unknown): message is ReadyMessage {
  if (!hasType(message, 'jobs:ready')) return false;
  const { queues, consumers } = message as Partial<ReadyMessage>;
  return isStrings(queues) && isStrings(consumers);
}
export function isAliveMessage(message: unknown): message is AliveMessage {
  return hasType(message, 'jobs:alive') && typeof (message as AliveMessage).active === 'number';
}
/** The reason in a worker's `jobs:exiting` message, or undefined for any other message. */
export function readExitReason(message: unknown): ExitReason | undefined {
  if (!hasType(message, 'jobs:exiting')) return undefined;
  const reason = (message as Partial<ExitingMessage>).reason;
  return EXIT_REASONS.find((known) => known === reason);
}

/** What a worker may say to its daemon. */
export type WorkerMessage =
  StandbyMessage | ReadyMessage | AliveMessage | ExitingMessage | RelayMessage;

/** In a forked worker: sends a message to the daemon; resolves once it is handed over. */
export function sendToDaemon(message: WorkerMessage): Promise<void> {
  if (!process.connected || !process.send) return Promise.resolve();
  return new Promise((resolve) => {
    const sent = process.send?.(message, undefined, {}, () => resolve());
    if (!sent) resolve();
  });
}

/** Whether this process was forked by a daemon's pool. */
export function isForkedWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SLOT_ENV] !== undefined && typeof process.send === 'function';
}

/**
 * In a forked worker: says `jobs:alive` every ALIVE_INTERVAL_MS until stopped. A timer
 * on this process's own event loop: when a handler blocks it, the messages stop, which
 * is the point. Unref'd, so it never keeps a finished worker alive.
 */
export function startAliveBeat(active: () => number): () => void {
  if (!process.send) return () => undefined;
  const timer = setInterval(() => {
    if (process.connected) void sendToDaemon({ type: 'jobs:alive', active: active() });
  }, ALIVE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * In a spare: resolves true once the pool activates it, false if it is told to stop (a
 * signal, or the daemon is gone) before that. Returns true at once in any other process.
 */
export function waitForActivation(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env[STANDBY_ENV] !== '1' || !process.send) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (activated: boolean) => {
      process.off('message', onMessage);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('disconnect', onStop);
      resolve(activated);
    };
    const onMessage = (message: unknown) => {
      if (isActivateMessage(message)) finish(true);
    };
    const onStop = () => finish(false);
    process.on('message', onMessage);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('disconnect', onStop);
    void sendToDaemon(STANDBY_MESSAGE);
  });
}

// ---------------------------------------------------------------------------------------
// The metrics relay. Forked workers send their run metrics to the daemon, and the daemon
// records them: each run is counted once, in the process that is scraped. Sending them
// as they happen (rather than pulling each child's registry at scrape time) keeps totals
// monotonic when a child crashes or is recycled — its counts already live in the daemon —
// and a scrape never waits on a busy child. A worker records into a tally (counts and
// the observed durations and lags, metrics/run-tally.ts) and sends it every
// RELAY_FLUSH_MS while runs happen, and what it holds before it exits; one that dies
// loses at most its last RELAY_FLUSH_MS, and the daemon counts the run it was running
// as failed itself (daemon/run-recovery.ts).

/** A tally goes at most this long after its first run: metrics lag runs by this much. */
export const RELAY_FLUSH_MS = 100;

export interface RelayMessage {
  type: 'jobs:runs';
  tally: TallyData;
  /** Jobs running in the child at the time of sending. */
  active: number;
}

/** In a forked worker: tallies the run metrics and sends them to the daemon. */
export class MetricsRelay {
  private readonly tally = new RunTally(() => {
    this.timer ??= setTimeout(() => void this.flush(), RELAY_FLUSH_MS);
  });
  private timer: NodeJS.Timeout | undefined;

  constructor(
    bus: JobsEventBus,
    private readonly activeCount: () => number,
    isKnownJob: (name: string) => boolean,
  ) {
    recordEvents(bus, { runs: this.tally, isKnownJob });
  }

  /** Sends what is pending now; resolves once it is handed to the channel. Call before exiting. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const tally = this.tally.take();
    // The daemon may be gone (the worker then stops on 'disconnect'); a lost count is moot.
    if (!tally) return Promise.resolve();
    const message: RelayMessage = { type: 'jobs:runs', tally, active: this.activeCount() };
    return sendToDaemon(message);
  }
}

/** Starts relaying when forked by a daemon that serves metrics; undefined otherwise. */
export function relayMetricsToParent(
  bus: JobsEventBus,
  activeCount: () => number,
  isKnownJob: (name: string) => boolean,
  env: NodeJS.ProcessEnv = process.env,
): MetricsRelay | undefined {
  if (!process.send || env[RELAY_ENV] !== '1') return undefined;
  return new MetricsRelay(bus, activeCount, isKnownJob);
}

/** In the daemon: the relay message in whatever a child sent, or undefined. */
export function readRelayMessage(message: unknown): RelayMessage | undefined {
  if (!hasType(message, 'jobs:runs')) return undefined;
  const candidate = message as Partial<RelayMessage>;
  if (typeof candidate.active !== 'number' || !readTally(candidate.tally)) return undefined;
  return candidate as RelayMessage;
}
