import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { retryAll, retryByIds } from '../../queue/retry.js';
import { withContext } from '../context.js';
import { collect } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { printJson } from '../output.js';

interface RetryFlags {
  all?: boolean;
  queue: string[];
  json?: boolean;
}

export function registerRetry(program: Command): void {
  program
    .command('retry')
    .description('move failed jobs back to waiting, by id or all of them')
    .argument('[ids...]', 'ids of failed jobs (as `jobs failed` shows them)')
    .option('--all', 'every failed job (of --queue, or of every queue)')
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('retry'))
    .action((ids: string[], flags: RetryFlags, command: Command) => {
      if (ids.length > 0 === Boolean(flags.all)) {
        throw new UsageError('name the failed jobs to retry by id, or pass --all (not both)');
      }
      return withContext(command, async (context) => {
        const queues = await context.openQueues(flags.queue);
        if (flags.all) {
          const results = await retryAll(context.client, queues);
          if (flags.json) return printJson(results);
          const total = results.reduce((sum, result) => sum + result.retried, 0);
          process.stdout.write(`retried ${total} failed job${total === 1 ? '' : 's'}\n`);
          return;
        }
        const result = await retryByIds(queues, ids);
        if (flags.json) printJson(result.retried);
        else
          for (const job of result.retried)
            process.stdout.write(`retried ${job.id} (${job.queue})\n`);
        if (result.problems.length > 0) throw new UsageError(`${result.problems.join('; ')}`);
      });
    });
}
