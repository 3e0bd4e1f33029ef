import { readLogLevel } from '../config/environment.js';
import { ConfigError, EnvironmentError, EXIT, JobsError } from '../errors.js';

/**
 * How an error ends a process: one sentence on stderr (every problem of a definitions
 * file or of the environment, one line each; a stack only at LOG_LEVEL=debug), and the
 * exit code it returns. The CLI (`cli/main.ts`) and a forked worker (`worker/main.ts`)
 * both end this way.
 */
export function reportFailure(error: unknown): number {
  const level = readLogLevel();
  const debug = level === 'debug' || level === 'trace';
  if (error instanceof EnvironmentError) {
    process.stderr.write(error.problems.map((problem) => `jobs: ${problem}\n`).join(''));
    return error.exitCode;
  }
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

/**
 * Exits with process.exitCode once stdout and stderr are written out. Output to a pipe
 * that was full is still queued (Node writes what the pipe takes and the rest later):
 * `jobs list --json` of 10,000 jobs, 5 MB, lost its end to a plain exit. A write's
 * callback comes after every earlier write is out. Leftover handles (a Redis socket
 * mid-close) must not keep the process alive either.
 */
export async function flushAndExit(): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise((resolve) => stream.write('', () => resolve(undefined))),
    ),
  );
  process.exit(process.exitCode ?? 0);
}
