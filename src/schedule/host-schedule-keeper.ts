import { LazyQueues } from '../redis/lazy-queues.js';
import { HEARTBEAT_INTERVAL_MS } from '../heartbeat/heartbeat.js';
import { SyncedDefinitions } from './stored.js';
import {
  reconcileHostSchedules,
  runsOnAll,
  type HostScheduleChanges,
  type HostSchedulesOptions,
} from './host-schedules.js';

/**
 * Reconciles the per-host schedulers once a heartbeat interval, so a host that joins gets
 * its runs within seconds and one that is gone stops being scheduled within its
 * heartbeat's TTL plus this interval. Every scheduling daemon runs one; the sync lock
 * makes them take turns.
 */
export const RECONCILE_INTERVAL_MS = HEARTBEAT_INTERVAL_MS;

export class HostScheduleKeeper {
  private readonly queues: LazyQueues;
  private readonly synced = new SyncedDefinitions(runsOnAll);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: HostSchedulesOptions & {
      onChanged: (changes: HostScheduleChanges) => void;
      onError: (error: Error) => void;
    },
  ) {
    this.queues = new LazyQueues(options.target, 'producer', options.prefix);
  }

  start(): void {
    if (this.timer || this.stopping) return;
    this.timer = setInterval(() => void this.reconcileNow(), RECONCILE_INTERVAL_MS);
    this.timer.unref();
    void this.reconcileNow();
  }

  /** One round now (after a sync); a round already under way is not doubled. */
  reconcileNow(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.running ??= reconcileHostSchedules(this.options, this.queues, this.synced)
      .then((changes) => {
        if (changes && changes.upserted.length + changes.removed.length > 0)
          this.options.onChanged(changes);
      })
      .catch((error: Error) => this.options.onError(error))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Idempotent: waits for a round under way, then closes the queues. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.queues.closeAll();
  }
}
