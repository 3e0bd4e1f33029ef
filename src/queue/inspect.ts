import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/connection.js';
import { bullKey, DELAYED_SCORE_FACTOR } from '../redis/keys.js';
import { firstLine } from '../errors.js';

/**
 * Read-only views of the queues for the CLI and the metrics gauges. They read BullMQ's
 * stored layout with plain commands instead of loading BullMQ: a one-shot `jobs failed`
 * spends most of its time starting up, and BullMQ is most of that. Each listing takes
 * one page per queue (ZREVRANGE / LRANGE with start and end) and then loads only those
 * jobs' fields, in two pipelined round trips: with 100,000 failed jobs kept,
 * `jobs failed --limit 50` reads 50 of them. test/integration/inspect.test.ts checks
 * every view against BullMQ's own getters on the same Redis.
 */

export interface FailedRow {
  id: string;
  name: string;
  queue: string;
  failedAt: string | null;
  attempts: number;
  error: string;
}

export interface PendingRow {
  id: string;
  name: string;
  queue: string;
  state: 'active' | 'waiting' | 'prioritized' | 'delayed' | 'paused';
  /** active: started; waiting, prioritized, delayed: enqueued. */
  since: string | null;
  /** delayed: when it becomes due. */
  due: string | null;
  attempts: number;
}

export interface QueueCounts {
  queue: string;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  failed: number;
  completed: number;
}

/** The fields of BullMQ's job hash the listings show (attemptsMade is `atm` since 5.x). */
const JOB_FIELDS = [
  'name',
  'timestamp',
  'processedOn',
  'finishedOn',
  'failedReason',
  'atm',
  'attemptsMade',
] as const;
type JobFields = Record<(typeof JOB_FIELDS)[number], string | null>;

/** The newest `limit` failed jobs over the queues, newest first, and how many there are in all. */
export async function listFailed(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  limit: number,
): Promise<{ rows: FailedRow[]; total: number }> {
  const pages = client.pipeline();
  for (const queue of queues) {
    pages.zrevrange(bullKey(prefix, queue, 'failed'), 0, limit - 1);
    pages.zcard(bullKey(prefix, queue, 'failed'));
  }
  const replies = await execPipeline(pages);
  const wanted: { queue: string; id: string }[] = [];
  let total = 0;
  queues.forEach((queue, index) => {
    for (const id of replies[index * 2] as string[]) wanted.push({ queue, id });
    total += replies[index * 2 + 1] as number;
  });
  const jobs = await readJobs(client, prefix, wanted);
  const rows = jobs
    .sort((a, b) => Number(b.fields.finishedOn ?? 0) - Number(a.fields.finishedOn ?? 0))
    .slice(0, limit)
    .map(failedRow);
  return { rows, total };
}

/** A failed job as the listings show it, from its hash's fields. */
function failedRow({
  queue,
  id,
  fields,
}: {
  queue: string;
  id: string;
  fields: JobFields;
}): FailedRow {
  return {
    id,
    name: fields.name ?? '',
    queue,
    failedAt: iso(fields.finishedOn),
    attempts: attemptsOf(fields),
    error: firstLine(fields.failedReason ?? ''),
  };
}

export interface FailedPageRow extends FailedRow {
  /** The whole error message (FailedRow's `error` is its first line). */
  fullError: string;
  /** The last attempt's stack trace, when BullMQ kept one. */
  stack: string | null;
}

/** Failed ids read per round trip when a listing filters by job name. */
const SCAN_CHUNK = 1_000;
/** A name filter looks at most this many failed runs (newest first) for one page. */
export const FAILED_SCAN_LIMIT = 20_000;

/**
 * One page of failed jobs over the queues, newest first (the admin page): ids by rank in
 * each queue's failed set (scored by the time it failed), merged, then the page's fields.
 * With `name`, the sets are walked newest first in chunks, reading each id's name only,
 * until the page is full or FAILED_SCAN_LIMIT runs were looked at (`total` then counts
 * the matches seen, and `complete` is false).
 */
export async function listFailedPage(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  options: { offset: number; limit: number; name?: string },
): Promise<{ rows: FailedPageRow[]; total: number; complete: boolean }> {
  const { offset, limit, name } = options;
  let wanted: { queue: string; id: string }[];
  let total: number;
  let complete = true;
  if (name === undefined) {
    const pages = client.pipeline();
    for (const queue of queues) {
      pages.zrevrange(bullKey(prefix, queue, 'failed'), 0, offset + limit - 1, 'WITHSCORES');
      pages.zcard(bullKey(prefix, queue, 'failed'));
    }
    const replies = await execPipeline(pages);
    const scored: { queue: string; id: string; score: number }[] = [];
    total = 0;
    queues.forEach((queue, index) => {
      const page = replies[index * 2] as string[];
      for (let i = 0; i < page.length; i += 2) {
        scored.push({ queue, id: page[i] as string, score: Number(page[i + 1]) });
      }
      total += replies[index * 2 + 1] as number;
    });
    wanted = scored.sort((a, b) => b.score - a.score).slice(offset, offset + limit);
  } else {
    const found = await scanFailedByName(client, prefix, queues, name, offset + limit);
    wanted = found.matches.slice(offset, offset + limit);
    total = found.matches.length;
    complete = found.complete;
  }
  const jobs = await readJobs(client, prefix, wanted);
  const stacks = await readStacks(client, prefix, wanted);
  const rows = jobs.map((job) => ({
    ...failedRow(job),
    fullError: job.fields.failedReason ?? '',
    stack: stacks.get(`${job.queue}\n${job.id}`) ?? null,
  }));
  return { rows, total, complete };
}

/** Failed runs of one job, newest first over all the queues, up to `want` of them. */
async function scanFailedByName(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  name: string,
  want: number,
): Promise<{ matches: { queue: string; id: string }[]; complete: boolean }> {
  const matches: { queue: string; id: string; score: number }[] = [];
  let scanned = 0;
  for (const queue of queues) {
    const key = bullKey(prefix, queue, 'failed');
    for (let start = 0; ; start += SCAN_CHUNK) {
      if (scanned >= FAILED_SCAN_LIMIT) return { matches: sortByScore(matches), complete: false };
      const page = await client.zrevrange(key, start, start + SCAN_CHUNK - 1, 'WITHSCORES');
      if (page.length === 0) break;
      const names = client.pipeline();
      for (let i = 0; i < page.length; i += 2) {
        names.hget(bullKey(prefix, queue, page[i] as string), 'name');
      }
      const replies = await execPipeline(names);
      for (let i = 0; i < page.length; i += 2) {
        if (replies[i / 2] === name) {
          matches.push({ queue, id: page[i] as string, score: Number(page[i + 1]) });
        }
      }
      scanned += page.length / 2;
      // One queue's newest `want` matches are enough from it: the merge keeps the newest.
      if (matches.filter((match) => match.queue === queue).length >= want) break;
      if (page.length < SCAN_CHUNK * 2) break;
    }
  }
  return { matches: sortByScore(matches), complete: true };
}

function sortByScore<T extends { score: number }>(items: T[]): T[] {
  return items.sort((a, b) => b.score - a.score);
}

/** BullMQ keeps each attempt's stack as a JSON array in the job's `stacktrace` field: the last one. */
async function readStacks(
  client: RedisClient,
  prefix: string,
  jobs: readonly { queue: string; id: string }[],
): Promise<Map<string, string>> {
  const stacks = new Map<string, string>();
  if (jobs.length === 0) return stacks;
  const reads = client.pipeline();
  for (const job of jobs) reads.hget(bullKey(prefix, job.queue, job.id), 'stacktrace');
  const replies = await execPipeline(reads);
  jobs.forEach((job, index) => {
    const stack = lastStack(replies[index] as string | null);
    if (stack) stacks.set(`${job.queue}\n${job.id}`, stack);
  });
  return stacks;
}

function lastStack(json: string | null): string | undefined {
  if (!json) return undefined;
  try {
    const list = JSON.parse(json) as unknown;
    if (Array.isArray(list) && typeof list[list.length - 1] === 'string')
      return list[list.length - 1];
  } catch {
    // not JSON: nothing to show
  }
  return undefined;
}

/**
 * Active jobs first, then the others in the order they will start (waiting, prioritized,
 * delayed), queue by queue; at most `limit`. Oldest first: the head of the line is what an
 * operator asks about.
 */
export async function listPending(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  limit: number,
): Promise<PendingRow[]> {
  const pages = client.pipeline();
  for (const queue of queues) {
    pages.hexists(bullKey(prefix, queue, 'meta'), 'paused');
    // Lists grow at the head: their oldest `limit` entries are the last ones.
    pages.lrange(bullKey(prefix, queue, 'active'), -limit, -1);
    pages.lrange(bullKey(prefix, queue, 'wait'), -limit, -1);
    pages.zrange(bullKey(prefix, queue, 'prioritized'), '0', String(limit - 1));
    pages.zrange(bullKey(prefix, queue, 'delayed'), '0', String(limit - 1), 'WITHSCORES');
  }
  const replies = await execPipeline(pages);
  const wanted: { queue: string; id: string; state: PendingRow['state']; due?: number }[] = [];
  queues.forEach((queue, index) => {
    const [paused, active, waiting, prioritized, delayed] = replies.slice(index * 5, index * 5 + 5);
    for (const id of (active as string[]).reverse()) wanted.push({ queue, id, state: 'active' });
    for (const id of (waiting as string[]).reverse())
      wanted.push({ queue, id, state: paused === 1 ? 'paused' : 'waiting' });
    for (const id of prioritized as string[]) wanted.push({ queue, id, state: 'prioritized' });
    const scored = delayed as string[];
    for (let i = 0; i < scored.length; i += 2) {
      const due = Math.floor(Number(scored[i + 1]) / DELAYED_SCORE_FACTOR);
      wanted.push({ queue, id: scored[i] as string, state: 'delayed', due });
    }
  });
  const jobs = await readJobs(client, prefix, wanted.slice(0, limit));
  return jobs.map(({ queue, id, state, due, fields }) => ({
    id,
    name: fields.name ?? '',
    queue,
    state,
    since: iso(state === 'active' ? fields.processedOn : fields.timestamp),
    due: state === 'delayed' ? iso(due) : null,
    attempts: attemptsOf(fields),
  }));
}

/**
 * How many jobs are due for a worker: `jobs work --stop-when-empty` and `jobs run` stop
 * when none is. Waiting, prioritized, and delayed jobs due by `dueBefore`, over all the
 * queues in one round trip. A paused queue has nothing due: its waiting jobs start only
 * after `jobs resume`.
 */
export async function countDueJobs(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  dueBefore: number,
): Promise<number> {
  const reads = client.pipeline();
  for (const queue of queues) {
    reads.hexists(bullKey(prefix, queue, 'meta'), 'paused');
    reads.llen(bullKey(prefix, queue, 'wait'));
    reads.zcard(bullKey(prefix, queue, 'prioritized'));
    reads.zcount(bullKey(prefix, queue, 'delayed'), 0, (dueBefore + 1) * DELAYED_SCORE_FACTOR - 1);
  }
  const replies = (await execPipeline(reads)) as number[];
  let due = 0;
  for (let index = 0; index < queues.length; index++) {
    const [paused, waiting, prioritized, delayed] = replies.slice(index * 4, index * 4 + 4);
    if (paused) continue;
    due += (waiting ?? 0) + (prioritized ?? 0) + (delayed ?? 0);
  }
  return due;
}

/**
 * How many times a job id is in its queue's active list, counting to 2 at most: BullMQ
 * holds one entry per take, so two mean the job was taken again while a take of it still
 * runs (worker/tick-copies.ts).
 */
export async function activeTakes(
  client: RedisClient,
  prefix: string,
  queue: string,
  id: string,
): Promise<number> {
  return (await client.lpos(bullKey(prefix, queue, 'active'), id, 'COUNT', 2)).length;
}

/** Each queue's job counts (list and sorted-set lengths: O(1) however many jobs) and paused flag. */
export async function countQueues(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
): Promise<QueueCounts[]> {
  const reads = client.pipeline();
  for (const queue of queues) {
    reads.hexists(bullKey(prefix, queue, 'meta'), 'paused');
    reads.llen(bullKey(prefix, queue, 'wait'));
    reads.llen(bullKey(prefix, queue, 'active'));
    reads.zcard(bullKey(prefix, queue, 'delayed'));
    reads.zcard(bullKey(prefix, queue, 'prioritized'));
    reads.zcard(bullKey(prefix, queue, 'failed'));
    reads.zcard(bullKey(prefix, queue, 'completed'));
  }
  const replies = (await execPipeline(reads)) as number[];
  return queues.map((queue, index) => {
    const [paused, waiting, active, delayed, prioritized, failed, completed] = replies.slice(
      index * 7,
      index * 7 + 7,
    ) as [number, number, number, number, number, number, number];
    return {
      queue,
      paused: paused === 1,
      waiting,
      active,
      delayed,
      prioritized,
      failed,
      completed,
    };
  });
}

/**
 * The listed fields of each job, in the order given; a job whose hash is gone (removed
 * between the two reads) is left out, as BullMQ's getters leave it out.
 */
async function readJobs<T extends { queue: string; id: string }>(
  client: RedisClient,
  prefix: string,
  jobs: readonly T[],
): Promise<(T & { fields: JobFields })[]> {
  if (jobs.length === 0) return [];
  const reads = client.pipeline();
  for (const job of jobs) reads.hmget(bullKey(prefix, job.queue, job.id), ...JOB_FIELDS);
  const replies = (await execPipeline(reads)) as (string | null)[][];
  const found: (T & { fields: JobFields })[] = [];
  jobs.forEach((job, index) => {
    const values = replies[index] as (string | null)[];
    if (values.every((value) => value === null)) return;
    const fields = Object.fromEntries(JOB_FIELDS.map((field, i) => [field, values[i] ?? null]));
    found.push({ ...job, fields: fields as JobFields });
  });
  return found;
}

/** Runs a pipeline; its replies in order, or the first command error thrown. */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

function attemptsOf(fields: JobFields): number {
  return Number(fields.attemptsMade ?? fields.atm ?? 0);
}

function iso(ms: string | number | null | undefined): string | null {
  const value = Number(ms ?? 0);
  return value ? new Date(value).toISOString() : null;
}
