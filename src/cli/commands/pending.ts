import type { Command } from 'commander';
import { listPending } from '../../queue/inspect.js';
import { withContext } from '../context.js';
import { collect, wholeNumberFlag } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { formatTime, printJson } from '../output.js';
import { printTable } from '../table.js';

interface PendingFlags {
  limit: number;
  queue: string[];
  json?: boolean;
}

export function registerPending(program: Command): void {
  program
    .command('pending')
    .description('active, waiting and delayed jobs: id, name, state, since, attempts')
    .option('--limit <n>', 'show at most N jobs', wholeNumberFlag('--limit', 1), 50)
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('pending'))
    .action((flags: PendingFlags, command: Command) =>
      withContext(command, async (context) => {
        const queues = await context.queueNames(flags.queue);
        const rows = await listPending(context.client, context.prefix, queues, flags.limit);
        if (flags.json) return printJson(rows);
        if (rows.length === 0) {
          process.stdout.write('no pending jobs\n');
          return;
        }
        printTable(
          ['ID', 'NAME', 'QUEUE', 'STATE', 'SINCE', 'DUE', 'ATTEMPTS'],
          rows.map((row) => [
            row.id,
            row.name,
            row.queue,
            row.state,
            formatTime(row.since ? Date.parse(row.since) : null),
            formatTime(row.due ? Date.parse(row.due) : null),
            row.attempts,
          ]),
        );
      }),
    );
}
