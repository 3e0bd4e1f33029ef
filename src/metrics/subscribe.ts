import type { Counter } from 'prom-client';
import type { JobsEventBus } from '../events.js';
import { UNKNOWN_JOB_LABEL, type RunSink } from './run-metrics.js';

export interface MetricSinks {
  runs: RunSink;
  /** Only a daemon restarts workers, so only a daemon counts restarts. */
  restarts?: Counter<'reason'>;
  /** Workers the daemon killed (blocked past a timeout, past the stop timeout). */
  kills?: Counter<'reason'>;
  /**
   * Whether a job name has a definition. Anyone with a BullMQ client can enqueue any
   * name; those runs are counted under one label so label values stay bounded.
   */
  isKnownJob: (name: string) => boolean;
}

/** The one place lifecycle events become metrics. */
export function recordEvents(bus: JobsEventBus, sinks: MetricSinks): void {
  const { runs } = sinks;
  const label = (name: string) => (sinks.isKnownJob(name) ? name : UNKNOWN_JOB_LABEL);

  bus.on('job:started', (e) => {
    // Only a tick's first attempt has a scheduled time; retries start when their backoff says.
    if (e.scheduledAt === undefined) return;
    // The jitter is a chosen delay, not lag: lag is measured from the jittered start.
    const startAt = e.scheduledAt + (e.jitterMs ?? 0);
    runs.observeLag(e.queue, label(e.name), Math.max(0, e.startedAt - startAt) / 1000);
  });
  bus.on('job:completed', (e) => {
    const name = label(e.name);
    runs.countRun(e.queue, name, 'completed');
    runs.observeDuration(e.queue, name, 'completed', e.durationMs / 1000);
    runs.setLastSuccess(name, Date.now() / 1000);
  });
  bus.on('job:failed', (e) => {
    const name = label(e.name);
    runs.countRun(e.queue, name, 'failed');
    runs.observeDuration(e.queue, name, 'failed', e.durationMs / 1000);
  });
  bus.on('job:skipped', (e) => {
    // A skipped tick never ran: it counts as a run outcome but has no duration.
    runs.countRun(e.queue, label(e.name), 'skipped');
  });
  const restarts = sinks.restarts;
  if (restarts) {
    bus.on('worker:restarting', (e) => restarts.inc({ reason: e.reason }));
  }
  const kills = sinks.kills;
  if (kills) bus.on('worker:killed', (e) => kills.inc({ reason: e.reason }));
}
