import cronstrue from 'cronstrue';
import { normalizeCron } from './cron.js';
import { formatDuration } from './duration.js';

export interface ScheduleDescription {
  kind: 'cron' | 'every' | 'manual';
  cron?: string;
  every?: string;
  /** In English, for people: "At 03:00", "Every 5 minutes, Monday through Friday", "every 30s". */
  words: string;
}

/**
 * A schedule as the admin page shows it: as written and in words. cronstrue reads the
 * same 5- and 6-field forms we accept (seconds first); aliases are expanded before it
 * sees them. 24-hour times: an operator's log and Grafana speak them too.
 */
export function describeSchedule(schedule: {
  schedule: string | null;
  every: number | null;
}): ScheduleDescription {
  if (schedule.schedule) {
    let words: string;
    try {
      words = cronstrue.toString(normalizeCron(schedule.schedule), {
        use24HourTimeFormat: true,
        verbose: false,
      });
    } catch {
      words = schedule.schedule; // validated already; never let a wording gap fail a listing
    }
    return { kind: 'cron', cron: schedule.schedule, words };
  }
  if (schedule.every) {
    const every = formatDuration(schedule.every);
    return { kind: 'every', every, words: `every ${every}` };
  }
  return { kind: 'manual', words: 'on demand only' };
}
