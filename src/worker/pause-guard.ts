import type { Job } from 'bullmq';
import { parseTickJobId } from '../redis/keys.js';
import type { RedisClient } from '../redis/connection.js';
import { nextCronRuns } from '../definitions/cron.js';
import type { JobDefinition } from '../definitions/types.js';
import { findPauseWindow } from '../queue/pause.js';
import { schedulerNext } from '../queue/schedulers.js';

/** At most this many ticks of one pause are itemised as skipped; a longer tail is not counted. */
export const MAX_SKIPPED_TICKS = 10_000;
const CRON_CHUNK = 100;

/**
 * Tells a scheduler tick that fell in a pause (`jobs pause`) from one to run.
 *
 * While a queue is paused, a scheduler's next job waits in `delayed`, and since BullMQ
 * creates the following tick only when a job starts, no more are created. On resume, that
 * one stale tick would start late and BullMQ would make the next one at the first slot
 * after now: the ticks in between would be lost without a trace. So when a worker fetches
 * a tick due inside a recorded pause window, it runs nothing and reports as skipped that
 * tick and every slot of the schedule between it and the scheduler's new next tick. Only
 * one worker fetches that job, so each tick is reported once, by whichever host gets it.
 */
export class PauseGuard {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The due times of the ticks to report as skipped, or undefined to run the job. */
  async findSkippedTicks(
    job: Job,
    definition: JobDefinition | undefined,
  ): Promise<number[] | undefined> {
    const due = tickTime(job);
    if (due === undefined || job.attemptsMade > 0) return undefined;
    const window = await findPauseWindow(this.client, this.prefix, job.queueName, due);
    if (!window) return undefined;
    const next =
      (await schedulerNext(this.client, this.prefix, job.queueName, job.repeatJobKey as string)) ??
      due + 1;
    return listSlots(definition, due, next);
  }
}

/** `due` and every slot of the schedule after it and before `next`. */
export function listSlots(
  definition: JobDefinition | undefined,
  due: number,
  next: number,
): number[] {
  const slots = [due];
  const schedule = definition?.schedule;
  if (schedule?.kind === 'every') {
    for (
      let at = due + schedule.everyMs;
      at < next && slots.length < MAX_SKIPPED_TICKS;
      at += schedule.everyMs
    )
      slots.push(at);
  } else if (schedule?.kind === 'cron' && definition) {
    let from = due;
    while (slots.length < MAX_SKIPPED_TICKS) {
      const chunk = nextCronRuns(
        schedule.expression,
        definition.timezone,
        CRON_CHUNK,
        new Date(from),
      );
      const before = chunk.map((date) => date.getTime()).filter((at) => at < next);
      slots.push(...before.slice(0, MAX_SKIPPED_TICKS - slots.length));
      if (before.length < chunk.length || chunk.length === 0) break;
      from = before[before.length - 1] as number;
    }
  }
  return slots;
}

/** The time a scheduler's tick was due, from its job id; undefined for other jobs. */
export function tickTime(job: Job): number | undefined {
  if (!job.repeatJobKey || !job.id) return undefined;
  return parseTickJobId(job.id)?.tick;
}
