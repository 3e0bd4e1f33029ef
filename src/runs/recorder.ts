import type { Redis } from 'ioredis';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { firstLine, summarize, writeRunRecord, type RunRecord } from './records.js';

/** How often a failing write of run records is logged while Redis is away. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Subscribes to a worker's lifecycle events and keeps the run records (`jobs history`,
 * the last run in `jobs list`). One subscriber, so the processor stays free of it.
 */
export function recordRuns(bus: JobsEventBus, client: Redis, prefix: string, log: Logger): void {
  let lastError = 0;
  const write = (record: RunRecord) => {
    writeRunRecord(client, prefix, record).catch((error: Error) => {
      // A lost record must never fail the run itself; say so, at most once an interval.
      const now = Date.now();
      if (now - lastError < ERROR_LOG_INTERVAL_MS) return;
      lastError = now;
      log.warn({ error: error.message }, 'could not write the run record');
    });
  };
  bus.on('job:completed', (e) =>
    write({
      id: e.id,
      name: e.name,
      queue: e.queue,
      status: 'completed',
      startedAt: Date.now() - e.durationMs,
      durationMs: e.durationMs,
      attempt: e.attempt,
      detail: summarize(e.summary),
    }),
  );
  bus.on('job:failed', (e) =>
    write({
      id: e.id,
      name: e.name,
      queue: e.queue,
      status: 'failed',
      startedAt: Date.now() - e.durationMs,
      durationMs: e.durationMs,
      attempt: e.attempt,
      detail: firstLine(e.error),
      willRetry: e.willRetry,
    }),
  );
  bus.on('job:skipped', (e) =>
    write({
      id: e.id,
      name: e.name,
      queue: e.queue,
      status: 'skipped',
      startedAt: tickTime(e.id) ?? Date.now(),
      durationMs: 0,
      attempt: e.attempt,
      detail: e.reason,
    }),
  );
}

/** A scheduler tick's id ends in the time it was due: `repeat:<scheduler>:<ms>`. */
function tickTime(id: string): number | undefined {
  if (!id.startsWith('repeat:')) return undefined;
  const ms = Number(id.slice(id.lastIndexOf(':') + 1));
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
