import { InvalidArgumentError, type Command } from 'commander';
import { DURATION_HINT, formatDuration, parseDuration } from '../../definitions/duration.js';
import { pruneQueue, type PruneResult } from '../../maintenance/prune.js';
import { collect, withContext } from '../context.js';
import { environmentHelp, REDIS_ENV } from '../environment-help.js';
import { printJson } from '../output.js';
import { printTable } from '../table.js';

interface PruneFlags {
  failed?: number;
  completed?: number;
  queue: string[];
  json?: boolean;
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('delete failed and completed jobs that finished longer ago than the retention')
    .option(
      '--failed <duration>',
      'failed jobs older than this (default: JOBS_FAILED_RETENTION)',
      parseAge,
    )
    .option(
      '--completed <duration>',
      'completed jobs older than this (default: JOBS_COMPLETED_RETENTION)',
      parseAge,
    )
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      environmentHelp([...REDIS_ENV, 'JOBS_FAILED_RETENTION', 'JOBS_COMPLETED_RETENTION']),
    )
    .action((flags: PruneFlags, command: Command) =>
      withContext(command, async (context) => {
        const ages = {
          failedMs: flags.failed ?? context.settings.failedRetentionMs,
          completedMs: flags.completed ?? context.settings.completedRetentionMs,
        };
        const results: PruneResult[] = [];
        for (const name of await context.queueNames(flags.queue)) {
          results.push(await pruneQueue(await context.queue(name), ages));
        }
        if (flags.json) return printJson(results);
        process.stdout.write(
          `deleted failed jobs older than ${formatDuration(ages.failedMs)} and completed ones older than ${formatDuration(ages.completedMs)}\n`,
        );
        printTable(
          ['QUEUE', 'FAILED', 'COMPLETED'],
          results.map((result) => [result.queue, result.failed, result.completed]),
        );
      }),
    );
}

function parseAge(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`expected ${DURATION_HINT}`);
  return ms;
}
