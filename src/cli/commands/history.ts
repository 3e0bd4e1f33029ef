import type { Command } from 'commander';
import { readHistory, type RunRecord } from '../../runs/records.js';
import { unknownJob, withContext } from '../context.js';
import { wholeNumberFlag } from '../flags.js';
import { environmentHelp } from '../environment-help.js';
import { formatMs, formatTime, isoTime, printJson } from '../output.js';
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
    .option('--limit <n>', 'show at most N runs', wholeNumberFlag('--limit', 1), 20)
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('history'))
    .action((name: string | undefined, flags: HistoryFlags, command: Command) =>
      withContext(command, async (context) => {
        const runs = await readHistory(context.client, context.prefix, {
          name,
          limit: flags.limit,
        });
        if (name && runs.length === 0) {
          const known = await context.stored();
          if (!known.has(name)) throw unknownJob(name, known.keys());
        }
        if (flags.json) return printJson(runs.map(toJson));
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

/** A run in --json: its time in ISO-8601 and a completed run's summary as JSON itself. */
function toJson(run: RunRecord): Omit<RunRecord, 'startedAt' | 'detail'> & {
  startedAt: string | null;
  detail: unknown;
} {
  return { ...run, startedAt: isoTime(run.startedAt), detail: parseDetail(run) };
}

/** A summary cut at SUMMARY_CHARS is no longer JSON: it stays the text it is. */
function parseDetail(run: RunRecord): unknown {
  if (run.status !== 'completed') return run.detail;
  try {
    return JSON.parse(run.detail) as unknown;
  } catch {
    return run.detail;
  }
}

function describeStatus(run: RunRecord): string {
  return run.status === 'failed' && run.willRetry ? 'failed (will retry)' : run.status;
}
