import type { Command } from 'commander';
import { nextCronRuns } from '../../definitions/cron.js';
import { formatDuration } from '../../definitions/duration.js';
import { schedulersOf } from '../../queue/inspect.js';
import { readLastRuns } from '../../runs/records.js';
import type { StoredDefinition } from '../../schedule/stored.js';
import { withContext, type CliContext } from '../context.js';
import { wholeNumberFlag } from '../flags.js';
import { hostSchedulerId, listHostQueues, splitHostQueue } from '../../hosts/host-queues.js';
import { environmentHelp } from '../environment-help.js';
import { readLiveRoles, unservedReason } from '../../hosts/host-roles.js';
import { formatInZone, formatMs, formatTime, printJson } from '../output.js';
import { printTable } from '../table.js';

interface ListRow {
  name: string;
  queue: string;
  schedule: string | null;
  timezone: string;
  enabled: boolean;
  /** Only hosts with one of these roles run it; empty: any host. */
  roles: string[];
  /** Set when no live host has any of its roles: its ticks are recorded as skipped. */
  noLiveHost: string | null;
  /** ISO times in UTC; the table also shows them in the job's zone. */
  nextRuns: string[];
  lastRun: { status: string; startedAt: string; durationMs: number; id: string } | null;
  description: string;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description(
      "the job definitions as Redis sees them: next runs, last run's status and duration",
    )
    .option('--next <n>', 'show the next N runs of each job', wholeNumberFlag('--next', 1), 1)
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('list'))
    .action((flags: { next: number; json?: boolean }, command: Command) =>
      withContext(command, async (context) => {
        const stored = [...(await context.stored()).values()].sort((a, b) =>
          a.name.localeCompare(b.name),
        );
        const lastRuns = await readLastRuns(context.client, context.prefix);
        const liveRoles = await readLiveRoles(context.client, context.prefix);
        const ticks = new NextTicks(context);
        const rows: ListRow[] = [];
        for (const definition of stored) {
          const next = definition.fingerprint ? await ticks.of(definition) : undefined;
          const last = lastRuns.get(definition.name);
          rows.push({
            name: definition.name,
            queue: definition.queue,
            schedule: describeSchedule(definition),
            timezone: definition.timezone,
            enabled: definition.enabled,
            roles: definition.roles ?? [],
            noLiveHost: unservedReason(definition, liveRoles),
            nextRuns: next
              ? nextRuns(definition, next, flags.next).map((ms) => new Date(ms).toISOString())
              : [],
            lastRun: last
              ? {
                  status: last.status,
                  startedAt: new Date(last.startedAt).toISOString(),
                  durationMs: last.durationMs,
                  id: last.id,
                }
              : null,
            description: definition.description,
          });
        }
        if (flags.json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write(
            'no definitions in Redis yet: start a daemon (jobs start) to sync them\n',
          );
          return;
        }
        printTable(
          [
            'NAME',
            'QUEUE',
            'SCHEDULE',
            'ENABLED',
            'ROLES',
            flags.next > 1 ? 'NEXT RUNS' : 'NEXT RUN',
            'LAST RUN',
          ],
          rows.map((row) => [
            row.name,
            row.queue,
            row.schedule ?? 'on demand',
            row.enabled ? 'yes' : 'no',
            row.noLiveHost
              ? `${row.roles.join(',')}: ${row.noLiveHost}`
              : row.roles.join(',') || '-',
            row.nextRuns.map((iso) => describeTime(Date.parse(iso), row.timezone)).join('\n') ||
              '-',
            row.lastRun
              ? `${row.lastRun.status} ${formatTime(Date.parse(row.lastRun.startedAt))} in ${formatMs(row.lastRun.durationMs)}`
              : '-',
          ]),
        );
      }),
    );
}

/** The time in the job's zone, and in UTC when that differs. */
function describeTime(ms: number, timezone: string): string {
  const utc = formatTime(ms);
  return timezone === 'UTC' ? utc : `${formatInZone(ms, timezone)} (${utc})`;
}

function describeSchedule(definition: StoredDefinition): string | null {
  if (definition.schedule) return definition.schedule;
  if (definition.every) return `every ${formatDuration(definition.every)}`;
  return null;
}

/** The scheduler's next run, then the ones after it by the same rule. */
function nextRuns(definition: StoredDefinition, next: number, count: number): number[] {
  if (count === 1) return [next];
  if (definition.every)
    return Array.from({ length: count }, (_, i) => next + i * (definition.every as number));
  if (definition.schedule) {
    return [
      next,
      ...nextCronRuns(definition.schedule, definition.timezone, count - 1, new Date(next)).map(
        (date) => date.getTime(),
      ),
    ];
  }
  return [next];
}

/**
 * When each job's scheduler fires next, read a queue at a time (one ZRANGE each, not one
 * ZSCORE a job: 10,000 jobs took 1.4 s). For `runOn: all`, that of any live host: they
 * share the ticks.
 */
class NextTicks {
  private readonly queues = new Map<string, Promise<Map<string, number>>>();
  private hostQueues: Promise<string[]> | undefined;

  constructor(private readonly context: CliContext) {}

  async of(definition: StoredDefinition): Promise<number | undefined> {
    if (definition.runOn !== 'all')
      return (await this.queue(definition.queue)).get(definition.name);
    const { client, prefix } = this.context;
    this.hostQueues ??= listHostQueues(client, prefix);
    for (const queue of await this.hostQueues) {
      const { base, host } = splitHostQueue(queue);
      if (base !== definition.queue || !host) continue;
      const next = (await this.queue(queue)).get(hostSchedulerId(definition.name, host));
      if (next !== undefined) return next;
    }
    return undefined;
  }

  private queue(name: string): Promise<Map<string, number>> {
    let next = this.queues.get(name);
    if (!next) {
      next = schedulersOf(this.context.client, this.context.prefix, name);
      this.queues.set(name, next);
    }
    return next;
  }
}
