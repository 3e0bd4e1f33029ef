import type { Command } from 'commander';
import { formatDuration } from '../../definitions/duration.js';
import { firstLine, JobDisabledError, UsageError, WorkFailedError } from '../../errors.js';
import { JobsClient, runNow } from '../../queue/client.js';
import { waitForResult, type RunResult } from '../../queue/wait-result.js';
import { connectProducer } from '../../redis/connection.js';
import { environmentHelp } from '../environment-help.js';
import { printJson } from '../output.js';

interface RunJobFlags {
  data?: string;
  wait: boolean;
  json?: boolean;
  force?: boolean;
}

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
        const result = (await waitForResult(
          await client.queue(enqueued.queue),
          enqueued.id,
        )) as RunResult;
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
            `job '${name}' (${enqueued.id}) failed: ${firstLine(result.error ?? 'unknown error')}`,
          );
        }
      } finally {
        await client.close();
      }
    });
}

function parseData(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--data '${text}' is not valid JSON: ${(error as Error).message}`);
  }
}
