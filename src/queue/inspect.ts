import type { Job, Queue } from 'bullmq';
import { firstLine } from '../runs/records.js';

/**
 * Read-only views of the queues for the CLI. Every listing takes one page per queue from
 * BullMQ's sorted sets and lists (ZRANGE / LRANGE with start and end), then loads only
 * those jobs: with 100,000 failed jobs kept, `jobs failed --limit 50` reads 50 of them.
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
  /** active: started; waiting: enqueued; delayed: enqueued (see `due`). */
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

/** The newest `limit` failed jobs over the queues, newest first, and how many there are in all. */
export async function listFailed(
  queues: Queue[],
  limit: number,
): Promise<{ rows: FailedRow[]; total: number }> {
  const pages = await Promise.all(
    queues.map(async (queue) => ({
      jobs: await queue.getFailed(0, limit - 1),
      total: await queue.getFailedCount(),
    })),
  );
  const rows = pages
    .flatMap((page) => page.jobs)
    .sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0))
    .slice(0, limit)
    .map((job) => ({
      id: job.id ?? '',
      name: job.name,
      queue: job.queueName,
      failedAt: iso(job.finishedOn),
      attempts: job.attemptsMade,
      error: firstLine(job.failedReason ?? ''),
    }));
  return { rows, total: pages.reduce((sum, page) => sum + page.total, 0) };
}

const PENDING_STATES = ['active', 'waiting', 'prioritized', 'delayed'] as const;

/** Active jobs first, then the others in the order they will start; at most `limit`. */
export async function listPending(queues: Queue[], limit: number): Promise<PendingRow[]> {
  const rows: PendingRow[] = [];
  for (const queue of queues) {
    const paused = await queue.isPaused();
    for (const state of PENDING_STATES) {
      if (rows.length >= limit) return rows;
      // Oldest first: the head of the line is what an operator asks about.
      const jobs = await queue.getJobs([state], 0, limit - rows.length - 1, true);
      for (const job of jobs)
        rows.push(toPendingRow(job, paused && state === 'waiting' ? 'paused' : state));
    }
  }
  return rows;
}

function toPendingRow(job: Job, state: PendingRow['state']): PendingRow {
  return {
    id: job.id ?? '',
    name: job.name,
    queue: job.queueName,
    state,
    since: iso(state === 'active' ? job.processedOn : job.timestamp),
    due: state === 'delayed' ? iso(job.timestamp + (job.opts.delay ?? 0)) : null,
    attempts: job.attemptsMade,
  };
}

export async function countQueue(queue: Queue): Promise<QueueCounts> {
  const [counts, paused] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'),
    queue.isPaused(),
  ]);
  return {
    queue: queue.name,
    paused,
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    prioritized: counts.prioritized ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
  };
}

export interface RetryResult {
  retried: { id: string; queue: string }[];
  problems: string[];
}

/** Moves the named failed jobs back to waiting; ids not found or not failed are reported. */
export async function retryByIds(queues: Queue[], ids: readonly string[]): Promise<RetryResult> {
  const result: RetryResult = { retried: [], problems: [] };
  for (const id of ids) {
    let found = false;
    for (const queue of queues) {
      const job = await queue.getJob(id);
      if (!job) continue;
      found = true;
      const state = await job.getState();
      if (state !== 'failed') {
        result.problems.push(`job ${id} in queue '${queue.name}' is ${state}, not failed`);
        break;
      }
      await job.retry('failed');
      result.retried.push({ id, queue: queue.name });
      break;
    }
    if (!found)
      result.problems.push(`no job ${id} in queue ${queues.map((q) => `'${q.name}'`).join(', ')}`);
  }
  return result;
}

/** Moves every failed job of the queues back to waiting; the count per queue. */
export async function retryAll(queues: Queue[]): Promise<{ queue: string; retried: number }[]> {
  const results: { queue: string; retried: number }[] = [];
  for (const queue of queues) {
    const count = await queue.getFailedCount();
    // retryJobs walks the failed set in batches of `count` inside Redis until it is empty.
    if (count > 0) await queue.retryJobs({ state: 'failed', count: 1_000 });
    results.push({ queue: queue.name, retried: count });
  }
  return results;
}

function iso(ms: number | null | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}
