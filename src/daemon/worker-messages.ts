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
