import type { JobsEventBus, JobsEvents } from '../events.js';

/**
 * Forked workers relay their run events to the daemon over the IPC channel the pool
 * opens, and the daemon records them: each run is counted once, in the process that is
 * scraped. Relaying events (rather than pulling each child's registry at scrape time)
 * keeps totals monotonic when a child crashes or is recycled — its counts already live in
 * the daemon — and a scrape never waits on a busy child.
 */

/** Set by the pool when the daemon serves metrics; otherwise children send nothing. */
export const RELAY_ENV = 'JOBS_RELAY_EVENTS';

const RELAYED_EVENTS = [
  'job:started',
  'job:completed',
  'job:failed',
  'job:skipped',
  'job:returned',
] as const;
type RelayedEvent = (typeof RELAYED_EVENTS)[number];

export interface RelayMessage {
  type: 'jobs:event';
  event: RelayedEvent;
  payload: JobsEvents[RelayedEvent];
  /** Jobs running in the child after this event: the pool's busy/idle comes from it. */
  active: number;
}

/** In a forked worker: sends run events to the daemon. Returns false when not forked to relay. */
export function relayEventsToParent(
  bus: JobsEventBus,
  activeCount: () => number,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (!process.send || env[RELAY_ENV] !== '1') return false;
  for (const event of RELAYED_EVENTS) {
    bus.on(event, (payload) => {
      // A summary can be large and metrics do not need it.
      const slim = 'summary' in payload ? { ...payload, summary: null } : payload;
      send({ type: 'jobs:event', event, payload: slim, active: activeCount() });
    });
  }
  return true;
}

function send(message: RelayMessage): void {
  // The daemon may be gone (the worker then stops on 'disconnect'); a lost count is moot.
  if (!process.connected || !process.send) return;
  process.send(message, undefined, {}, () => undefined);
}

/** In the daemon: the relay message in whatever a child sent, or undefined. */
export function readRelayMessage(message: unknown): RelayMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const candidate = message as Partial<RelayMessage>;
  if (candidate.type !== 'jobs:event') return undefined;
  if (!RELAYED_EVENTS.includes(candidate.event as RelayedEvent)) return undefined;
  if (typeof candidate.payload !== 'object' || typeof candidate.active !== 'number') {
    return undefined;
  }
  return candidate as RelayMessage;
}

/** Re-emits a relayed event on the daemon's bus for its metrics. */
export function replayRelayed(bus: JobsEventBus, message: RelayMessage): void {
  // The event name and its payload travel together, so they match; TypeScript cannot
  // follow that correlation through the union, hence the cast.
  bus.emit(message.event, message.payload as never);
}
