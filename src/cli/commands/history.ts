import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { readHistory, type RunRecord } from '../../runs/records.js';
import { parseLimit, withContext } from '../context.js';
import { environmentHelp, REDIS_ENV } from '../environment-help.js';
import { formatMs, formatTime, printJson } from '../output.js';
import { printTable } from '../table.js';

interface HistoryFlags {
  limit: number;
  json?: boolean;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('recent runs, newest first: status, started, duration, attempt, summary or error')
    .argument('[name]', 'only the runs of this job')
    .option('--limit <n>', 'show at most N runs', parseLimit, 20)
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp(REDIS_ENV))
    .action((name: string | undefined, flags: HistoryFlags, command: Command) =>
      withContext(command, async (context) => {
        const runs = await readHistory(context.client, context.prefix, {
          name,
          limit: flags.limit,
        });
        if (name && runs.length === 0) {
          const known = [...(await context.stored()).keys()].sort();
          if (!known.includes(name)) {
            throw new UsageError(
              `no job named '${name}'; known jobs: ${known.join(', ') || 'none'}`,
            );
          }
        }
        if (flags.json) return printJson(runs);
        if (runs.length === 0) {
          process.stdout.write(
            name ? `no runs of '${name}' recorded yet\n` : 'no runs recorded yet\n',
          );
          return;
        }
        printTable(
          ['ID', 'NAME', 'STATUS', 'STARTED', 'DURATION', 'ATTEMPT', 'SUMMARY / ERROR'],
          runs.map((run) => [
            run.id,
            run.name,
            describeStatus(run),
            formatTime(run.startedAt),
            run.status === 'skipped' ? '-' : formatMs(run.durationMs),
            run.attempt,
            run.detail || '-',
          ]),
        );
      }),
    );
}

function describeStatus(run: RunRecord): string {
  return run.status === 'failed' && run.willRetry ? 'failed (will retry)' : run.status;
}
