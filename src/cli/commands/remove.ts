import type { Command } from 'commander';
import { UsageError, WorkFailedError } from '../../errors.js';
import { removeAllFailed, removeRuns, type RemoveResult } from '../../queue/remove.js';
import { withContext } from '../context.js';
import { collect } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { printJson } from '../output.js';

interface RemoveFlags {
  allFailed?: boolean;
  queue: string[];
  json?: boolean;
}

export function registerRemove(program: Command): void {
  program
    .command('remove')
    .description(
      'delete waiting, delayed or failed runs by id (never running ones), or every failed run',
    )
    .argument('[ids...]', 'ids of runs (as `jobs pending` and `jobs failed` show them)')
    .option('--all-failed', 'every failed run (of --queue, or of every queue)')
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('remove'))
    .action((ids: string[], flags: RemoveFlags, command: Command) => {
      if (ids.length > 0 === Boolean(flags.allFailed)) {
        throw new UsageError('name the runs to remove by id, or pass --all-failed (not both)');
      }
      return withContext(command, async (context) => {
        const queues = await context.queueNames(flags.queue);
        if (flags.allFailed) {
          const removed = await removeAllFailed(context.client, context.prefix, queues);
          if (flags.json) return printJson({ removedFailed: removed });
          process.stdout.write(`removed ${removed} failed run${removed === 1 ? '' : 's'}\n`);
          return;
        }
        const result = await removeRuns(context.client, context.prefix, queues, ids);
        if (flags.json) printJson(result);
        else for (const id of result.removed) process.stdout.write(`removed ${id}\n`);
        const problems = describeProblems(result, queues);
        // Exit 1, not 2: the ids were well formed, the runs' state kept them.
        if (problems.length > 0) throw new WorkFailedError(`not removed: ${problems.join('; ')}`);
      });
    });
}

function describeProblems(result: RemoveResult, queues: readonly string[]): string[] {
  const list = (ids: string[]) => ids.join(', ');
  const problems: string[] = [];
  if (result.active.length > 0)
    problems.push(`${list(result.active)} running now (a running job is never removed)`);
  if (result.scheduled.length > 0)
    problems.push(
      `${list(result.scheduled)} the next tick of a schedule (jobs disable stops a job's ticks)`,
    );
  if (result.missing.length > 0)
    problems.push(
      `no run ${list(result.missing)} in queue ${queues.map((queue) => `'${queue}'`).join(', ')}`,
    );
  return problems;
}
