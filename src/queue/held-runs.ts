import { Job, type Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { bullJobKey, bullKey, bullLockKey } from '../redis/keys.js';

/**
 * The runs a worker process holds, found in Redis rather than from its own word: each
 * active job's lock holds the token of the BullMQ consumer running it
 * (`<consumer id>:<n>`), and a worker tells the daemon its consumer ids when it starts.
 * So a worker that died without a word (`process.exit`, SIGKILL, the OOM killer) or
 * whose event loop is blocked is never asked: the daemon reads what it held, and fails,
 * returns or keeps locked those runs itself. Read only at such a moment, never per job.
 */
export interface HeldRun {
  /** BullMQ queue name (a host queue keeps its `@host`). */
  queue: string;
  id: string;
  /** The lock token: what BullMQ asks for to move the job on. */
  token: string;
  name: string;
  /** When the run started (ms), from the job's `processedOn`. */
  startedAt: number;
  /** Starts so far, this one included (BullMQ's `ats`). */
  attemptsStarted: number;
}

export async function findHeldRuns(
  client: RedisClient,
  prefix: string,
  queues: readonly string[],
  consumers: readonly string[],
): Promise<HeldRun[]> {
  if (queues.length === 0 || consumers.length === 0) return [];
  const lists = await client
    .pipeline(queues.map((queue) => ['lrange', bullKey(prefix, queue, 'active'), '0', '-1']))
    .exec();
  const active = queues.flatMap((queue, index) => {
    const ids = (lists?.[index]?.[1] as string[] | undefined) ?? [];
    return ids.map((id) => ({ queue, id }));
  });
  if (active.length === 0) return [];
  const locks = await client
    .pipeline(active.map(({ queue, id }) => ['get', bullLockKey(prefix, queue, id)]))
    .exec();
  const held = active.flatMap((entry, index) => {
    const token = locks?.[index]?.[1];
    if (typeof token !== 'string') return [];
    const holder = token.slice(0, token.lastIndexOf(':'));
    return consumers.includes(holder) ? [{ ...entry, token }] : [];
  });
  if (held.length === 0) return [];
  const fields = await client
    .pipeline(
      held.map(({ queue, id }) => [
        'hmget',
        bullJobKey(prefix, queue, id),
        'name',
        'processedOn',
        'ats',
      ]),
    )
    .exec();
  return held.map((entry, index) => {
    const [name, processedOn, ats] = (fields?.[index]?.[1] as (string | null)[] | undefined) ?? [];
    return {
      ...entry,
      name: name ?? '',
      startedAt: Number(processedOn) || Date.now(),
      attemptsStarted: Number(ats) || 1,
    };
  });
}

/** A job's total tries: BullMQ stores 0 when none were given, which means one. */
export function attemptsOf(job: Job): number {
  return Math.max(job.opts.attempts ?? 1, 1);
}

/** What became of a held run the daemon moved on. */
export interface FailedRun {
  attempt: number;
  willRetry: boolean;
}

/**
 * A failed attempt, as if its handler had thrown `error`: retried after its backoff while
 * attempts remain, else kept in the failed list. Undefined when the job is gone.
 */
export async function failHeldRun(
  queue: Queue,
  run: HeldRun,
  error: Error,
): Promise<FailedRun | undefined> {
  const job = await Job.fromId(queue, run.id);
  if (!job) return undefined;
  const willRetry = job.attemptsMade + 1 < attemptsOf(job);
  await job.moveToFailed(error, run.token);
  return { attempt: Math.max(job.attemptsStarted, 1), willRetry };
}

/** Keeps a blocked worker's run locked, so that the stalled check does not hand it to another. */
export async function extendHeldRun(queue: Queue, run: HeldRun, durationMs: number): Promise<void> {
  const job = await Job.fromId(queue, run.id);
  await job?.extendLock(run.token, durationMs);
}

/**
 * Back to the queue, due at once or at `dueAt`, this start not counted (SPEC §5: a stop
 * past its timeout returns its runs uncounted; a jittered tick taken at its due time
 * waits for its start). BullMQ counts a start when it hands a job out (`ats`), so the
 * start is taken back too.
 */
export async function returnRun(
  client: RedisClient,
  prefix: string,
  job: Job,
  token: string,
  dueAt = Date.now(),
): Promise<void> {
  await job.moveToDelayed(dueAt, token);
  await client.hincrby(bullJobKey(prefix, job.queueName, job.id ?? ''), 'ats', -1);
}
