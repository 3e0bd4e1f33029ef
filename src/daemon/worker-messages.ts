/**
 * The daemon and its forked workers talk over the IPC channel the pool opens (besides
 * the metrics relay, metrics/relay.ts):
 * - daemon → worker `jobs:restart`: finish the running jobs, exit 0 (SIGHUP). A message
 *   rather than SIGTERM, so a stop signal that follows still counts as the first one.
 * - worker → daemon `jobs:exiting`: why it is about to exit 0, so the pool counts
 *   `jobs_worker_restarts_total{reason}` by the real reason. An exit 0 without it is
 *   counted as `restart`; any other exit is a crash.
 */
export const EXIT_REASONS = Object.freeze([
  'restart',
  'max-jobs',
  'max-time',
  'max-memory',
] as const);
export type ExitReason = (typeof EXIT_REASONS)[number];

export interface RestartMessage {
  type: 'jobs:restart';
}

export interface ExitingMessage {
  type: 'jobs:exiting';
  reason: ExitReason;
}

export const RESTART_MESSAGE: RestartMessage = Object.freeze({ type: 'jobs:restart' });

export function isRestartMessage(message: unknown): message is RestartMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Partial<RestartMessage>).type === 'jobs:restart'
  );
}

/** The reason in a worker's `jobs:exiting` message, or undefined for any other message. */
export function readExitReason(message: unknown): ExitReason | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const candidate = message as Partial<ExitingMessage>;
  if (candidate.type !== 'jobs:exiting') return undefined;
  return EXIT_REASONS.find((reason) => reason === candidate.reason);
}

/** In a forked worker: tells the daemon why it exits; resolves once the message is sent. */
export function sendExitReason(reason: ExitReason): Promise<void> {
  if (!process.connected || !process.send) return Promise.resolve();
  const message: ExitingMessage = { type: 'jobs:exiting', reason };
  return new Promise((resolve) => {
    const sent = process.send?.(message, undefined, {}, () => resolve());
    if (!sent) resolve();
  });
}

/**
 * Spare workers: the pool forks each slot's replacement ahead of time with STANDBY_ENV
 * set. Node and the package's modules load (most of a worker's start-up), then the child
 * says `jobs:standby` and waits; `jobs:activate` makes it read the settings and the
 * definitions — fresh, as of that moment — and start consuming.
 */
export const STANDBY_ENV = 'JOBS_WORKER_STANDBY';
export const STANDBY_MESSAGE = Object.freeze({ type: 'jobs:standby' });
export const ACTIVATE_MESSAGE = Object.freeze({ type: 'jobs:activate' });

export function isMessage(message: unknown, type: string): boolean {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
  );
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
      if (isMessage(message, ACTIVATE_MESSAGE.type)) finish(true);
    };
    const onStop = () => finish(false);
    process.on('message', onMessage);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('disconnect', onStop);
    process.send?.(STANDBY_MESSAGE, undefined, {}, () => undefined);
  });
}
