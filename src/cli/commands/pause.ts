import type { Command } from 'commander';
import { pauseQueue, resumeQueue, type PauseState } from '../../queue/pause.js';
import { withContext, type CliContext } from '../context.js';
import { collect } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { formatTime, isoTime, printJson } from '../output.js';
import { printTable } from '../table.js';

interface PauseFlags {
  queue: string[];
  json?: boolean;
}

type Change = (context: CliContext, queue: string) => Promise<PauseState>;

/** `jobs pause` and `jobs resume`: maintenance mode, per queue or for all of them. */
export function registerPause(program: Command): void {
  register(
    program,
    'pause',
    'maintenance mode: no job starts on any host (running ones finish); ticks that fall in it are recorded as skipped',
    async (context, queue) =>
      pauseQueue(context.client, context.prefix, await context.queue(queue)),
  );
  register(
    program,
    'resume',
    'end maintenance mode: processing restarts; the ticks missed while paused are recorded as skipped, not run',
    async (context, queue) =>
      resumeQueue(context.client, context.prefix, await context.queue(queue)),
  );
}

function register(
  program: Command,
  name: 'pause' | 'resume',
  description: string,
  change: Change,
): void {
  program
    .command(name)
    .description(description)
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp(name))
    .action((flags: PauseFlags, command: Command) =>
      withContext(command, async (context) => {
        const states: PauseState[] = [];
        for (const queue of await context.queueNames(flags.queue)) {
          states.push(await change(context, queue));
        }
        if (flags.json)
          return printJson(states.map((state) => ({ ...state, since: isoTime(state.since) })));
        printTable(
          ['QUEUE', 'PAUSED', 'SINCE'],
          states.map((state) => [
            state.queue,
            state.paused ? 'yes' : 'no',
            formatTime(state.since),
          ]),
        );
      }),
    );
}
