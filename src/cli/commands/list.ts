import type { Command } from 'commander';
import { formatDuration } from '../../definitions/duration.js';
import { followingRuns, NextTicks } from '../../schedule/next-runs.js';
import { readLastRuns } from '../../runs/records.js';
import type { StoredDefinition } from '../../schedule/stored.js';
import { withContext } from '../context.js';
import { wholeNumberFlag } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { readLiveRoles, unservedReason } from '../../schedule/host-roles.js';
import { formatAge, formatInZone, formatMs, formatTime, printJson } from '../output.js';
import { disabledState, readJobSwitches, type DisabledState } from '../../schedule/job-switch.js';
import { printTable } from '../table.js';

interface ListRow {
  name: string;
  queue: string;
  schedule: string | null;
  timezone: string;
  /** False when the file or an operator (`jobs disable`) disabled it. */
  enabled: boolean;
  disabled: DisabledState;
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
        const switches = await readJobSwitches(context.client, context.prefix);
        const ticks = new NextTicks(context.client, context.prefix);
        const rows: ListRow[] = [];
        for (const definition of stored) {
          const next = await ticks.of(definition);
          const last = lastRuns.get(definition.name);
          rows.push({
            name: definition.name,
            queue: definition.queue,
            schedule: describeSchedule(definition),
            timezone: definition.timezone,
            enabled: definition.enabled && !switches.has(definition.name),
            disabled: disabledState(definition.enabled, switches.get(definition.name)),
            roles: definition.roles ?? [],
            noLiveHost: unservedReason(definition, liveRoles),
            nextRuns: next
              ? followingRuns(definition, next, flags.next).map((ms) => new Date(ms).toISOString())
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
            describeEnabled(row.disabled),
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

/** `yes`, `no (file)`, or `no: <reason> — <who>, <age> ago` for an operator's switch. */
function describeEnabled(disabled: DisabledState): string {
  if (disabled === null) return 'yes';
  if (disabled.by === 'file') return 'no (file)';
  return `no: ${disabled.reason} — ${disabled.operator}, ${formatAge(Date.parse(disabled.at))} ago`;
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
