import type { RedisClient } from '../redis/connection.js';
import { historyKey, META, metaKey } from '../redis/keys.js';

/**
 * A finished run as `jobs history` and `jobs list` show it. Kept by us, not read back
 * from BullMQ's job hashes: finding one job's runs among 100,000 kept jobs would mean
 * loading them all, and skipped ticks never were BullMQ jobs.
 */
export interface RunRecord {
  id: string;
  name: string;
  queue: string;
  status: 'completed' | 'failed' | 'skipped';
  /** ms; for a skipped tick, the time it was due. */
  startedAt: number;
  durationMs: number;
  attempt: number;
  /** completed: the summary as JSON, cut to SUMMARY_CHARS; failed: the error's first line; skipped: why. */
  detail: string;
  /** failed only: another attempt follows. */
  willRetry?: boolean;
  /** JOBS_HOST_ID of the host that ran it (absent from records before hosts were kept). */
  host?: string;
}

/** Runs kept in each history list (all jobs, and each job's own): a log, not an archive. */
export const HISTORY_KEEP = 1_000;
/** A summary longer than this is cut in history (the full one stays with the BullMQ job). */
export const SUMMARY_CHARS = 200;

/**
 * Writes finished runs in one round trip: each history list (all jobs, and each job's
 * own) gets one LPUSH of its records and one LTRIM, and the last-run hash one HSET with
 * each job's newest real run. Records come oldest first, so the lists stay newest first.
 * A busy worker's batch can be longer than a list keeps: only the records a list keeps
 * are made JSON and sent (the newest overall are among the newest of their own job).
 */
export async function writeRunRecords(
  client: RedisClient,
  prefix: string,
  records: readonly RunRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const jsons: string[] = new Array<string>(records.length);
  const json = (index: number): string =>
    (jsons[index] ??= JSON.stringify(records[index] as RunRecord));
  const byName = new Map<string, number[]>();
  const lastRun = new Map<string, number>();
  records.forEach((record, index) => {
    const own = byName.get(record.name);
    if (own) own.push(index);
    else byName.set(record.name, [index]);
    if (record.status !== 'skipped') lastRun.set(record.name, index);
  });
  const multi = client.multi();
  for (const [name, indexes] of byName) {
    const own = historyKey(prefix, name);
    multi.lpush(own, ...indexes.slice(-HISTORY_KEEP).map(json)).ltrim(own, 0, HISTORY_KEEP - 1);
  }
  const all = metaKey(prefix, META.history);
  const newest: string[] = [];
  for (let index = Math.max(0, records.length - HISTORY_KEEP); index < records.length; index++)
    newest.push(json(index));
  multi.lpush(all, ...newest).ltrim(all, 0, HISTORY_KEEP - 1);
  if (lastRun.size > 0) {
    const last: Record<string, string> = {};
    for (const [name, index] of lastRun) last[name] = json(index);
    multi.hset(metaKey(prefix, META.lastRun), last);
  }
  await multi.exec();
}

/** The newest `limit` runs, of one job or of all, newest first. */
export async function readHistory(
  client: RedisClient,
  prefix: string,
  options: { name?: string; limit: number },
): Promise<RunRecord[]> {
  const key = options.name ? historyKey(prefix, options.name) : metaKey(prefix, META.history);
  const items = await client.lrange(key, 0, options.limit - 1);
  return items.flatMap((item) => parseRecord(item) ?? []);
}

/** Each job's last finished run, by job name. */
export async function readLastRuns(
  client: RedisClient,
  prefix: string,
): Promise<Map<string, RunRecord>> {
  const hash = await client.hgetall(metaKey(prefix, META.lastRun));
  const runs = new Map<string, RunRecord>();
  for (const [name, json] of Object.entries(hash)) {
    const record = parseRecord(json);
    if (record) runs.set(name, record);
  }
  return runs;
}

/** A summary as one short line of JSON. */
export function summarize(summary: unknown): string {
  const json = summary === undefined ? '' : (JSON.stringify(summary) ?? '');
  return json.length > SUMMARY_CHARS ? `${json.slice(0, SUMMARY_CHARS - 1)}…` : json;
}

function parseRecord(json: string): RunRecord | undefined {
  try {
    return JSON.parse(json) as RunRecord;
  } catch {
    return undefined; // a record we cannot read is left out, not fatal to a listing
  }
}
