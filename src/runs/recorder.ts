import type { RedisClient } from '../redis/connection.js';
import { parseTickJobId } from '../redis/keys.js';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { firstLine } from '../errors.js';
import { LogThrottle } from '../logging/log-throttle.js';
import { summarize, writeRunRecords, type RunRecord } from './records.js';

/**
 * Records are written in batches at most this far apart: one round trip for every run
 * that finished meanwhile, instead of one per run (which cost a busy worker a third of its
 * throughput). `jobs history` may lag a run's end by this much (BUSY_FLUSH_MS when busy).
 */
export const RECORD_FLUSH_MS = 100;
/**
 * Past this many runs in one batch (1,000 runs a second) the next batch waits
 * BUSY_FLUSH_MS: the lists keep the newest HISTORY_KEEP runs, so a busy worker writes a
 * record for fewer of its runs (bench, 2 workers × 50: run records were 8 µs of a run's
 * ~80 µs of worker CPU when written every 100 ms).
 */
const BUSY_BATCH = 100;
export const BUSY_FLUSH_MS = 1_000;

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
  const errorLog = new LogThrottle();
  let buffered: RunRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushMs = RECORD_FLUSH_MS;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = buffered;
    buffered = [];
    flushMs = batch.length >= BUSY_BATCH ? BUSY_FLUSH_MS : RECORD_FLUSH_MS;
    await writeRunRecords(client, prefix, batch).catch((error: Error) => {
      // A lost record must never fail the run itself; say so, at most once an interval.
      if (errorLog.allow())
        log.warn({ error: error.message, records: batch.length }, 'could not write run records');
    });
  };
  const write = (record: RunRecord) => {
    if (host !== undefined) record.host = host;
    buffered.push(record);
    timer ??= setTimeout(() => void flush(), flushMs);
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
