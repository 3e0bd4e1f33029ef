import { createHash } from 'node:crypto';
import type { JobsOptions, RepeatOptions } from 'bullmq';
import type { Settings } from '../config/settings.js';
import type { JobDefinition } from '../definitions/types.js';

/** How long finished runs are kept, in Redis (BullMQ removes them as new ones finish). */
export interface Retention {
  completedMs: number;
  failedMs: number;
}

/** The retention the settings give (JOBS_COMPLETED_RETENTION, JOBS_FAILED_RETENTION). */
export function retentionOf(settings: Readonly<Settings>): Retention {
  return { completedMs: settings.completedRetentionMs, failedMs: settings.failedRetentionMs };
}

/** Completed runs kept per queue at most, whatever their age: history, not an archive. */
export const COMPLETED_KEEP_COUNT = 10_000;

/** BullMQ options for a run of this job, whether a schedule or `enqueue` creates it. */
export function runOptions(job: JobDefinition, retention: Retention): JobsOptions {
  return {
    attempts: job.attempts,
    backoff: { type: job.backoff.type, delay: job.backoff.delayMs },
    removeOnComplete: { age: Math.ceil(retention.completedMs / 1000), count: COMPLETED_KEEP_COUNT },
    removeOnFail: { age: Math.ceil(retention.failedMs / 1000) },
  };
}

/** BullMQ repeat options, or undefined for an on-demand job. */
export function repeatOptions(
  job: JobDefinition,
  now = Date.now(),
): Omit<RepeatOptions, 'key'> | undefined {
  switch (job.schedule.kind) {
    case 'cron':
      return { pattern: job.schedule.pattern, tz: job.timezone };
    case 'every':
      return job.schedule.delayMs > 0
        ? { every: job.schedule.everyMs, startDate: now + job.schedule.delayMs }
        : { every: job.schedule.everyMs };
    case 'none':
      return undefined;
  }
}

/**
 * A digest of everything that shapes the scheduler in Redis. Sync compares it with the
 * stored one and leaves an unchanged scheduler alone, so a re-sync never adds a run.
 */
export function scheduleFingerprint(job: JobDefinition, retention: Retention): string {
  const shape = {
    queue: job.queue,
    schedule: job.schedule,
    timezone: job.schedule.kind === 'cron' ? job.timezone : undefined,
    data: job.data,
    options: runOptions(job, retention),
  };
  return createHash('sha1').update(JSON.stringify(shape)).digest('hex');
}
