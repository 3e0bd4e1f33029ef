#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ConfigError, EXIT, JobsError } from '../errors.js';
import { loadDotenvOnce } from '../config/settings.js';
import { registerFailed } from './commands/failed.js';
import { registerHistory } from './commands/history.js';
import { registerList } from './commands/list.js';
import { registerPause } from './commands/pause.js';
import { registerPending } from './commands/pending.js';
import { registerPrune } from './commands/prune.js';
import { registerRetry } from './commands/retry.js';
import { registerStatus } from './commands/status.js';
import { registerRunJob } from './commands/run-job.js';
import { registerStart } from './commands/start.js';
import { registerValidate } from './commands/validate.js';
import { registerWork } from './commands/work.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Builds the `jobs` program: one file a command under commands/, each parse → call → print. */
export function buildProgram(): Command {
  const program = new Command('jobs')
    .description('Run background jobs on cron and interval schedules, with a worker pool on Redis.')
    .version(version)
    .option('--config <file>', 'the definitions file (env JOBS_CONFIG, default ./jobs.yaml)')
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of [
    registerStart,
    registerWork,
    registerValidate,
    registerRunJob,
    registerList,
    registerPending,
    registerFailed,
    registerRetry,
    registerPrune,
    registerHistory,
    registerPause,
    registerStatus,
  ]) {
    register(program);
  }
  for (const command of program.commands) {
    command.exitOverride().showSuggestionAfterError(true);
  }
  return program;
}

/** The one place errors become exit codes and one sentence on stderr (a stack only at LOG_LEVEL=debug). */
async function main(argv: string[]): Promise<void> {
  loadDotenvOnce();
  try {
    await buildProgram().parseAsync(argv);
    process.exitCode = EXIT.ok;
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander printed its message (with "Did you mean …?") already.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    )
      return EXIT.ok;
    return EXIT.usage;
  }
  const debug = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
  if (error instanceof ConfigError) {
    // One line a problem, each naming file:line:col: every one of them, not just the first.
    process.stderr.write(`${error.problems.join('\n')}\n`);
    return error.exitCode;
  }
  if (error instanceof JobsError) {
    process.stderr.write(`jobs: ${error.message}\n`);
    if (debug && error.cause)
      process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
    return error.exitCode;
  }
  process.stderr.write(`jobs: ${error instanceof Error ? error.message : String(error)}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.failed;
}

await main(process.argv);
// Long-running commands resolve when they have stopped; one-shot ones when done. Either
// way, leftover handles (a Redis socket mid-close) must not keep the process alive.
process.exit(process.exitCode ?? 0);
