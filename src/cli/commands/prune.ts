import type { Command } from 'commander';
import { formatDuration } from '../../definitions/duration.js';
import { pruneQueue, type PruneResult } from '../../queue/prune.js';
import { withContext } from '../context.js';
import { collect, durationFlag } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
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
      durationFlag('--failed'),
    )
    .option(
      '--completed <duration>',
      'completed jobs older than this (default: JOBS_COMPLETED_RETENTION)',
      durationFlag('--completed'),
    )
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('prune'))
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
