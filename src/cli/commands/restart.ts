import type { Command } from 'commander';
import { formatDuration } from '../../definitions/duration.js';
import { WorkFailedError } from '../../errors.js';
import { requestRestart } from '../../restart/generation.js';
import {
  describeNotReplaced,
  liveWorkers,
  waitForReplacement,
  type ReplacementReport,
} from '../../restart/wait.js';
import { withContext } from '../context.js';
import { durationFlag } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { printJson } from '../output.js';

interface RestartFlags {
  wait?: number;
  json?: boolean;
}

export function registerRestart(program: Command): void {
  program
    .command('restart')
    .description(
      'graceful restart of every worker on every host: each finishes its running jobs, exits 0 and is restarted by its supervisor; daemons re-read and re-sync the definitions',
    )
    .option(
      '--wait <duration>',
      'wait this long for every live worker to be replaced; exit 1 naming any that was not',
      durationFlag('--wait'),
    )
    .option('--json', 'print the outcome as one JSON document')
    .addHelpText('after', environmentHelp('restart'))
    .action((flags: RestartFlags, command: Command) =>
      withContext(command, async (context) => {
        // The workers live now are the ones that must be replaced: read them first.
        const before =
          flags.wait === undefined ? [] : await liveWorkers(context.client, context.prefix);
        const requestedAt = Date.now();
        const generation = await requestRestart(context.client, context.prefix);
        if (flags.wait === undefined) {
          if (flags.json) printJson({ generation });
          else process.stdout.write(`restart ${generation} requested\n`);
          return;
        }
        const report = await waitForReplacement(context.client, context.prefix, before, flags.wait);
        printReport(report, generation, requestedAt, flags.json === true);
        if (!report.replaced) {
          throw new WorkFailedError(
            `${report.stillRunning.length + sum(report.missing)} of ${report.before.length} workers were not replaced within ${formatDuration(flags.wait)}`,
          );
        }
      }),
    );
}

function printReport(
  report: ReplacementReport,
  generation: number,
  requestedAt: number,
  json: boolean,
): void {
  if (json) {
    printJson({
      generation,
      requestedAt: new Date(requestedAt).toISOString(),
      replaced: report.replaced,
      workers: report.before.length,
      elapsedMs: report.elapsedMs,
      notReplaced: describeNotReplaced(report),
    });
    return;
  }
  if (report.replaced) {
    process.stdout.write(
      `restart ${generation}: all ${report.before.length} workers replaced in ${formatDuration(report.elapsedMs)}\n`,
    );
    return;
  }
  for (const line of describeNotReplaced(report)) process.stdout.write(`${line}\n`);
}

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((total, count) => total + count, 0);
}
