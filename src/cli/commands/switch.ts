import type { Command } from 'commander';
import { redisNow } from '../../redis/clock.js';
import {
  DEFAULT_REASON,
  disableJob,
  disabledState,
  enableJob,
  operatorName,
  readJobSwitch,
  type DisabledState,
} from '../../schedule/job-switch.js';
import { unknownJob, withContext, type CliContext } from '../context.js';
import { environmentHelp } from '../environment-help.js';
import { formatAge, printJson } from '../output.js';

interface SwitchFlags {
  reason?: string;
  json?: boolean;
}

/** What `--json` prints: the job's state after the change, and whether it changed. */
interface SwitchState {
  name: string;
  enabled: boolean;
  disabled: DisabledState;
  changed: boolean;
}

/** `jobs disable` and `jobs enable`: the operator's runtime switch, for every host. */
export function registerSwitch(program: Command): void {
  program
    .command('disable')
    .description(
      "stop a job's scheduled runs on every host until `jobs enable` (its ticks are recorded as skipped); run-job refuses it unless --force",
    )
    .argument('<name>', 'the job, as the synced definitions name it')
    .option(
      '--reason <text>',
      `why, shown by jobs list and with each skipped tick (default: "${DEFAULT_REASON}")`,
    )
    .option('--json', "print the job's state as one JSON document")
    .addHelpText('after', environmentHelp('disable'))
    .action((name: string, flags: SwitchFlags, command: Command) =>
      withContext(command, async (context) => {
        const fileEnabled = await fileEnabledOf(context, name, false);
        const operatorSwitch = await disableJob(context.client, context.prefix, name, {
          reason: flags.reason ?? '',
          by: operatorName(context.settings.hostId),
        });
        if (flags.json) {
          return printJson({
            name,
            enabled: false,
            disabled: disabledState(fileEnabled, operatorSwitch),
            changed: true,
          } satisfies SwitchState);
        }
        const alsoFile = fileEnabled ? '' : ' (its definition has enabled: false as well)';
        process.stdout.write(
          `disabled ${name} for every host: ${operatorSwitch.reason}${alsoFile}\n`,
        );
      }),
    );

  program
    .command('enable')
    .description('undo `jobs disable`: the job runs on its schedule again, on every host')
    .argument('<name>', 'the job, as the synced definitions name it')
    .option('--json', "print the job's state as one JSON document")
    .addHelpText('after', environmentHelp('enable'))
    .action((name: string, flags: SwitchFlags, command: Command) =>
      withContext(command, async (context) => {
        // A job removed from the file keeps its switch: it can still be enabled by name.
        const fileEnabled = await fileEnabledOf(context, name, true);
        const previous = await enableJob(context.client, context.prefix, name);
        if (flags.json) {
          return printJson({
            name,
            enabled: fileEnabled,
            disabled: disabledState(fileEnabled, undefined),
            changed: previous !== undefined,
          } satisfies SwitchState);
        }
        const stillFile = fileEnabled
          ? ''
          : '; its definition has enabled: false, so it stays disabled';
        if (!previous) {
          process.stdout.write(`${name} was not disabled${stillFile}\n`);
          return;
        }
        const ago = previous.at
          ? ` ${formatAge(previous.at, await redisNow(context.client))} ago`
          : '';
        process.stdout.write(
          `enabled ${name} (it was disabled by ${previous.by}${ago}: ${previous.reason})${stillFile}\n`,
        );
      }),
    );
}

/**
 * The job's `enabled` as the daemons synced it; an unknown name is a usage error (exit 2)
 * with the nearest one. `orSwitched`: a name known only by its switch is accepted.
 */
async function fileEnabledOf(
  context: CliContext,
  name: string,
  orSwitched: boolean,
): Promise<boolean> {
  const stored = await context.stored();
  const definition = stored.get(name);
  if (definition) return definition.enabled;
  if (orSwitched && (await readJobSwitch(context.client, context.prefix, name))) return true;
  throw unknownJob(name, stored.keys());
}
