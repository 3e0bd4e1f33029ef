import type { JobsEventBus, JobsEvents } from '../events.js';

/**
 * Forked workers relay their run events to the daemon over the IPC channel the pool
 * opens, and the daemon records them: each run is counted once, in the process that is
 * scraped. Relaying events (rather than pulling each child's registry at scrape time)
 * keeps totals monotonic when a child crashes or is recycled — its counts already live in
 * the daemon — and a scrape never waits on a busy child. A worker that stops sends what
 * it holds before it exits; one that crashes loses at most its last RELAY_FLUSH_MS.
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

/** Events are sent in batches: at a thousand jobs a second, one message a run is a cost. */
export const RELAY_FLUSH_MS = 100;

interface RelayedEntry {
  event: RelayedEvent;
  payload: JobsEvents[RelayedEvent];
}

export interface RelayMessage {
  type: 'jobs:events';
  events: RelayedEntry[];
  /** Jobs running in the child at the time of sending: the pool's busy/idle comes from it. */
  active: number;
}

/** In a forked worker: batches run events and sends them to the daemon. */
export class EventRelay {
  private pending: RelayedEntry[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    bus: JobsEventBus,
    private readonly activeCount: () => number,
  ) {
    for (const event of RELAYED_EVENTS) {
      bus.on(event, (payload) => {
        // Metrics need neither the summary nor the error text, which can be large.
        const slim =
          'summary' in payload
            ? { ...payload, summary: null }
            : 'error' in payload
              ? { ...payload, error: '' }
              : payload;
        this.pending.push({ event, payload: slim });
        this.timer ??= setTimeout(() => void this.flush(), RELAY_FLUSH_MS);
      });
    }
  }

  /** Sends what is pending now; resolves once it is handed to the channel. Call before exiting. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    // The daemon may be gone (the worker then stops on 'disconnect'); a lost count is moot.
    if (events.length === 0 || !process.connected || !process.send) return Promise.resolve();
    const message: RelayMessage = { type: 'jobs:events', events, active: this.activeCount() };
    return new Promise((resolve) => process.send?.(message, undefined, {}, () => resolve()));
  }
}

/** Starts relaying when forked by a daemon that serves metrics; undefined otherwise. */
export function relayEventsToParent(
  bus: JobsEventBus,
  activeCount: () => number,
  env: NodeJS.ProcessEnv = process.env,
): EventRelay | undefined {
  if (!process.send || env[RELAY_ENV] !== '1') return undefined;
  return new EventRelay(bus, activeCount);
}

/** In the daemon: the relay message in whatever a child sent, or undefined. */
export function readRelayMessage(message: unknown): RelayMessage | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const candidate = message as Partial<RelayMessage>;
  if (candidate.type !== 'jobs:events' || typeof candidate.active !== 'number') return undefined;
  if (!Array.isArray(candidate.events)) return undefined;
  const valid = candidate.events.every(
    (entry: Partial<RelayedEntry>) =>
      RELAYED_EVENTS.includes(entry.event as RelayedEvent) &&
      typeof entry.payload === 'object' &&
      entry.payload !== null,
  );
  return valid ? (candidate as RelayMessage) : undefined;
}

/** Re-emits relayed events on the daemon's bus for its metrics. */
export function replayRelayed(bus: JobsEventBus, message: RelayMessage): void {
  for (const { event, payload } of message.events) {
    // The event name and its payload travel together, so they match; TypeScript cannot
    // follow that correlation through the union, hence the cast.
    bus.emit(event, payload as never);
  }
}
