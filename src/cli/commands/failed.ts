import type { Command } from 'commander';
import { listFailed } from '../../queue/inspect.js';
import { withContext } from '../context.js';
import { collect, wholeNumberFlag } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { formatTime, printJson } from '../output.js';
import { printTable } from '../table.js';

interface FailedFlags {
  limit: number;
  queue: string[];
  json?: boolean;
}

export function registerFailed(program: Command): void {
  program
    .command('failed')
    .description("failed jobs, newest first: id, name, failed at, attempts, error's first line")
    .option('--limit <n>', 'show at most N jobs', wholeNumberFlag('--limit', 1), 50)
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('failed'))
    .action((flags: FailedFlags, command: Command) =>
      withContext(command, async (context) => {
        const queues = await context.queueNames(flags.queue);
        const { rows, total } = await listFailed(
          context.client,
          context.prefix,
          queues,
          flags.limit,
        );
        if (flags.json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write('no failed jobs\n');
          return;
        }
        printTable(
          ['ID', 'NAME', 'QUEUE', 'FAILED AT', 'ATTEMPTS', 'ERROR'],
          rows.map((row) => [
            row.id,
            row.name,
            row.queue,
            formatTime(row.failedAt ? Date.parse(row.failedAt) : null),
            row.attempts,
            row.error,
          ]),
        );
        if (total > rows.length) process.stdout.write(`${rows.length} of ${total} failed jobs\n`);
      }),
    );
}
