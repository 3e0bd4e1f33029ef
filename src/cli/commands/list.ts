import type { Command } from 'commander';
import { Queue } from 'bullmq';
import { loadSettings } from '../../config/settings.js';
import { nextCronRuns } from '../../definitions/cron.js';
import { formatDuration } from '../../definitions/duration.js';
import { bullConnection, connectProducer } from '../../redis/connection.js';
import { META, metaKey } from '../../redis/keys.js';
import { parseStored, type StoredDefinition } from '../../schedule/sync.js';
import { environmentHelp, REDIS_ENV } from '../environment-help.js';
import { formatTime, printJson, printTable } from '../output.js';

interface ListRow {
  name: string;
  queue: string;
  schedule: string | null;
  timezone: string;
  enabled: boolean;
  nextRuns: string[];
  description: string;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('the job definitions as Redis sees them, with their next runs')
    .option('--next <n>', 'show the next N runs of each job', '1')
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp(REDIS_ENV))
    .action(async (flags: { next: string; json?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<{ config?: string }>();
      const settings = loadSettings({ config: global.config });
      const count = Math.max(1, Number.parseInt(flags.next, 10) || 1);
      const client = await connectProducer(settings);
      const queues = new Map<string, Queue>();
      try {
        const stored = [
          ...parseStored(await client.hgetall(metaKey(settings.prefix, META.definitions))).values(),
        ].sort((a, b) => a.name.localeCompare(b.name));
        const rows: ListRow[] = [];
        for (const definition of stored) {
          let queue = queues.get(definition.queue);
          if (!queue) {
            queue = new Queue(definition.queue, {
              connection: bullConnection(settings.redis, 'producer'),
              prefix: settings.prefix,
            });
            queues.set(definition.queue, queue);
          }
          const scheduler = definition.fingerprint
            ? await queue.getJobScheduler(definition.name)
            : undefined;
          rows.push({
            name: definition.name,
            queue: definition.queue,
            schedule: describeSchedule(definition),
            timezone: definition.timezone,
            enabled: definition.enabled,
            nextRuns: scheduler?.next
              ? nextRuns(definition, scheduler.next, count).map((ms) => new Date(ms).toISOString())
              : [],
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
            'ZONE',
            'ENABLED',
            count > 1 ? 'NEXT RUNS (UTC)' : 'NEXT RUN (UTC)',
          ],
          rows.map((row) => [
            row.name,
            row.queue,
            row.schedule ?? 'on demand',
            row.timezone,
            row.enabled ? 'yes' : 'no',
            row.nextRuns.map((iso) => formatTime(Date.parse(iso))).join('\n') || '-',
          ]),
        );
      } finally {
        await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
        client.disconnect();
      }
    });
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
