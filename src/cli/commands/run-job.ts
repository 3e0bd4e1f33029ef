import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../definitions/duration.js';
import { JobDisabledError, UsageError, WorkFailedError } from '../../errors.js';
import { JobsClient, runNow } from '../../queue/client.js';
import { connectProducer } from '../../redis/connection.js';
import { environmentHelp } from '../environment-help.js';
import { isoTime, printJson } from '../output.js';

interface RunJobFlags {
  data?: string;
  wait: boolean;
  json?: boolean;
  force?: boolean;
}

const POLL_MS = 100;

export function registerRunJob(program: Command): void {
  program
    .command('run-job')
    .description(
      'enqueue a job now, wait for it and print status, duration and summary (exit 0 only on success)',
    )
    .argument('<name>', 'the job, as named in the definitions file')
    .option('--data <json>', "payload for the handler (default: the job's data)")
    .option('--no-wait', 'print the job id and return at once')
    .option('--json', 'print the result as one JSON document')
    .option('--force', 'run it even though an operator disabled it (`jobs disable`)')
    .addHelpText('after', environmentHelp('run-job'))
    .action(async (name: string, flags: RunJobFlags, command: Command) => {
      const data = parseData(flags.data);
      const global = command.optsWithGlobals<{ config?: string }>();
      const client = await JobsClient.open({ config: global.config });
      try {
        const redis = await connectProducer(client.settings);
        let enqueued;
        try {
          enqueued = await runNow(client, redis, name, data, { force: flags.force });
        } catch (error) {
          if (error instanceof JobDisabledError)
            throw new JobDisabledError(`${error.message}; pass --force to run it anyway`, name);
          throw error;
        } finally {
          redis.disconnect();
        }
        if (!flags.wait) {
          if (flags.json) printJson(enqueued);
          else process.stdout.write(`${enqueued.id}\n`);
          return;
        }
        const result = await waitForResult(client, enqueued.queue, enqueued.id);
        if (flags.json) printJson({ ...enqueued, ...result });
        else {
          process.stdout.write(
            `${name} ${enqueued.id} ${result.status} in ${formatDuration(result.durationMs)} (attempt ${result.attempts})\n`,
          );
          // A failure's error is the one line on stderr below, not printed twice.
          if (result.status === 'completed')
            process.stdout.write(`${JSON.stringify(result.summary)}\n`);
        }
        if (result.status !== 'completed') {
          throw new WorkFailedError(
            `job '${name}' (${enqueued.id}) failed: ${firstLine(result.error)}`,
          );
        }
      } finally {
        await client.close();
      }
    });
}

interface RunResult {
  status: 'completed' | 'failed';
  /** ISO-8601 UTC, as every time in --json. */
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number;
  attempts: number;
  summary?: unknown;
  error?: string;
}

/**
 * Polls the job until it completed or failed for good (retries in between are waited out).
 * The state is read first and the job after it: a job read while still active and then
 * found finished would report no duration, attempt or summary.
 */
async function waitForResult(client: JobsClient, queue: string, id: string): Promise<RunResult> {
  for (;;) {
    const state = await client.queue(queue).getJobState(id);
    if (state === 'unknown')
      throw new WorkFailedError(`job ${id} disappeared from queue '${queue}' before it finished`);
    if (state === 'completed' || state === 'failed') {
      const job = await client.getJob(queue, id);
      if (!job) continue;
      const durationMs = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0;
      const times = {
        startedAt: isoTime(job.processedOn),
        finishedAt: isoTime(job.finishedOn),
        durationMs,
      };
      return state === 'completed'
        ? { status: state, ...times, attempts: job.attemptsMade, summary: job.returnvalue }
        : { status: state, ...times, attempts: job.attemptsMade, error: job.failedReason };
    }
    await sleep(POLL_MS);
  }
}

function parseData(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--data '${text}' is not valid JSON: ${(error as Error).message}`);
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n')[0] ?? '';
}
