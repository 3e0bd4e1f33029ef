import type { Job } from 'bullmq';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import type { JobRef } from '../events.js';
import { attemptsOf } from '../queue/held-runs.js';
import { parseTickJobId } from '../redis/keys.js';
import { jitterOffsetMs } from './jitter.js';
import type { PauseGuard } from './pause-guard.js';

/**
 * What the processor reads off a BullMQ job and its definition before it runs it: its
 * tick's due time, its start number, its jitter, which checks apply.
 */

/** Whether the job has `roles`, which a role guard decides on before it runs here. */
export function hasRoles(definition: JobDefinition | undefined): boolean {
  return definition !== undefined && definition.enabled && definition.roles.length > 0;
}

/**
 * Whether all of the job's attempts were started and the last one never said how it
 * ended (its worker died): then it is not started again.
 */
export function startsUsedUp(job: Job, ref: JobRef): boolean {
  return ref.attempt > attemptsOf(job) && ref.attempt - 1 - job.attemptsMade > 0;
}

/** Whether RunGuard has anything to check for this job: `missed: skip` or `overlap: forbid`. */
export function hasRunRules(definition: JobDefinition): boolean {
  return definition.missed === 'skip' || definition.overlap === 'forbid';
}

export async function findSkippedTicks(
  guard: PauseGuard | undefined,
  job: Job,
  definitions: Definitions,
): Promise<number[] | undefined> {
  if (!guard) return undefined;
  try {
    return await guard.findSkippedTicks(job, definitions.jobs.get(job.name));
  } catch {
    return undefined; // cannot tell (Redis hiccup): run the tick rather than lose it
  }
}

/**
 * This tick's jitter, when its job has one and this is the tick's first try (a retry
 * starts when its backoff says, a run recovered after a crash at once).
 */
export function jitterOf(
  job: Job,
  definition: JobDefinition | undefined,
  tick: number | undefined,
): number | undefined {
  if (!definition?.jitterMs || job.attemptsMade > 0 || tick === undefined) return undefined;
  return jitterOffsetMs(job.id as string, definition.jitterMs);
}

/**
 * The time a scheduler's tick was due, from its job id; a tick forwarded to a role queue
 * (role-guard.ts) keeps its id, so its lag and jitter are counted from the same time.
 */
export function scheduledTime(job: Job): number | undefined {
  if (!job.id) return undefined;
  return parseTickJobId(job.id)?.tick;
}

/**
 * This start's number: BullMQ counts starts (`attemptsStarted`) when it hands a job out,
 * including starts whose worker died; a job from before that counter falls back on the
 * finished attempts.
 */
export function attemptOf(job: Job): number {
  return job.attemptsStarted > 0 ? job.attemptsStarted : job.attemptsMade + 1;
}
