import type { RedisClient } from '../redis/connection.js';
import { parseTickJobId } from '../redis/keys.js';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { firstLine, summarize, writeRunRecords, type RunRecord } from './records.js';

/** How often a failing write of run records is logged while Redis is away. */
const ERROR_LOG_INTERVAL_MS = 10_000;
/**
 * Records are written in batches at most this far apart: one round trip for every run
 * that finished meanwhile, instead of one per run (which cost a busy worker a third of its
 * throughput). `jobs history` may lag a run's end by this much.
 */
export const RECORD_FLUSH_MS = 100;

export interface RunRecorder {
  /** Writes what is buffered now; call before closing the connection. */
  flush(): Promise<void>;
}

/**
 * Subscribes to a worker's lifecycle events and keeps the run records (`jobs history`,
 * the last run in `jobs list`). One subscriber, so the processor stays free of it.
 */
export function recordRuns(
  bus: JobsEventBus,
  client: RedisClient,
  prefix: string,
  log: Logger,
  host?: string,
): RunRecorder {
  let lastError = 0;
  let buffered: RunRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = buffered;
    buffered = [];
    await writeRunRecords(client, prefix, batch).catch((error: Error) => {
      // A lost record must never fail the run itself; say so, at most once an interval.
      const now = Date.now();
      if (now - lastError < ERROR_LOG_INTERVAL_MS) return;
      lastError = now;
      log.warn({ error: error.message, records: batch.length }, 'could not write run records');
    });
  };
  const write = (record: RunRecord) => {
    if (host !== undefined) record.host = host;
    buffered.push(record);
    timer ??= setTimeout(() => void flush(), RECORD_FLUSH_MS);
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
      startedAt: parseTickJobId(e.id)?.tick ?? Date.now(),
      durationMs: 0,
      attempt: e.attempt,
      detail: e.reason,
    }),
  );
  return { flush };
}
