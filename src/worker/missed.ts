import { nextCronRuns } from '../definitions/cron.js';
import type { JobDefinition } from '../definitions/types.js';

/**
 * `missed: skip`: a tick that starts more than one interval plus this grace after it was
 * due is a leftover of downtime (no daemon ran when it came), not a late start under load.
 */
export const MISSED_GRACE_MS = 5_000;

/**
 * Whether a tick due at `tick` and starting at `now` (both on the Redis clock) is a
 * missed one to skip. BullMQ keeps one pending tick per scheduler, so after downtime
 * there is exactly one such stale tick, and the next is computed from the present:
 * `missed: once` runs it (the one catch-up run), `missed: skip` reports it skipped.
 */
export function isMissedTick(definition: JobDefinition, tick: number, now: number): boolean {
  if (definition.missed !== 'skip') return false;
  const interval = intervalAfter(definition, tick);
  return interval !== undefined && now - tick > interval + MISSED_GRACE_MS;
}

/** The time from this tick to the schedule's next one. */
export function intervalAfter(definition: JobDefinition, tick: number): number | undefined {
  const schedule = definition.schedule;
  if (schedule.kind === 'every') return schedule.everyMs;
  if (schedule.kind !== 'cron') return undefined;
  const [next] = nextCronRuns(schedule.expression, definition.timezone, 1, new Date(tick));
  return next ? next.getTime() - tick : undefined;
}
