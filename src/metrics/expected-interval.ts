import { nextCronRuns } from '../definitions/cron.js';
import type { JobDefinition } from '../definitions/types.js';

/**
 * Ticks looked at for a cron schedule. Enough to cover a week of a weekday schedule
 * (the Friday-to-Monday gap) and a day of an hourly one; the alert allows twice the
 * gap. Computed once per definitions load, never on a scrape.
 */
export const CRON_TICKS_EXAMINED = 32;

/**
 * Seconds between two ticks of a scheduled job, for `jobs_expected_interval_seconds`:
 * the interval of `every`, and for cron the longest gap among the next ticks, so that a
 * job that runs at 03:00 on weekdays is not overdue on a Sunday. Undefined for on-demand
 * or disabled jobs, which have no expected interval.
 */
export function expectedIntervalSeconds(job: JobDefinition, from = new Date()): number | undefined {
  if (!job.enabled) return undefined;
  switch (job.schedule.kind) {
    case 'every':
      return job.schedule.everyMs / 1000;
    case 'cron': {
      const ticks = nextCronRuns(job.schedule.expression, job.timezone, CRON_TICKS_EXAMINED, from);
      let longest = 0;
      for (let i = 1; i < ticks.length; i++) {
        const gap = (ticks[i] as Date).getTime() - (ticks[i - 1] as Date).getTime();
        longest = Math.max(longest, gap);
      }
      return longest > 0 ? longest / 1000 : undefined;
    }
    case 'none':
      return undefined;
  }
}

/** Every scheduled job's expected interval, by name. */
export function expectedIntervals(
  jobs: Iterable<JobDefinition>,
  from = new Date(),
): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const job of jobs) {
    const seconds = expectedIntervalSeconds(job, from);
    if (seconds !== undefined) intervals.set(job.name, seconds);
  }
  return intervals;
}

/**
 * The gauge `jobs_expected_interval_seconds` as text. It changes only when the definitions
 * do, so the daemon renders it once per load instead of once per scrape. Job names match
 * NAME_PATTERN, so they need no escaping.
 */
export function renderExpectedIntervals(intervals: ReadonlyMap<string, number>): string {
  const lines = [
    '# HELP jobs_expected_interval_seconds Seconds between two ticks of a scheduled job (cron: the longest gap among the next ticks).',
    '# TYPE jobs_expected_interval_seconds gauge',
  ];
  for (const [name, seconds] of intervals) {
    lines.push(`jobs_expected_interval_seconds{job_name="${name}"} ${seconds}`);
  }
  return `${lines.join('\n')}\n`;
}
