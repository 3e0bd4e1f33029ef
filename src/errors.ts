/**
 * The one error module. Every error a user can cause or meet is a JobsError with a
 * stable `code` and the process exit code the CLI uses for it (SPEC §4):
 * 0 ok, 1 the work failed, 2 usage, 69 Redis unavailable, 78 configuration error.
 */
export const EXIT = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  unavailable: 69,
  config: 78,
});

export class JobsError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(
    message: string,
    options: { code?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'EJOBS';
    this.exitCode = options.exitCode ?? EXIT.failed;
  }
}

/** The definitions file or the settings are wrong. Holds every problem found, not just the first. */
export class ConfigError extends JobsError {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[], options: { cause?: unknown } = {}) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'), { code: 'ECONFIG', exitCode: EXIT.config, cause: options.cause });
    this.problems = list;
  }
}

/**
 * The environment (or `.env`) is wrong. Each problem is a sentence of its own, printed as
 * `jobs: …`; the definitions file's problems are `file:line:col` lines instead.
 */
export class EnvironmentError extends ConfigError {}

export class RedisUnavailableError extends JobsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'EREDIS', exitCode: EXIT.unavailable, cause: options.cause });
  }
}

/**
 * Another daemon kept the schedule sync lock for the whole wait: it is still changing the
 * schedulers, so this process changes none. Exit 69, as with Redis away: the schedule store
 * cannot be used now, and a supervisor's restart or cron's next call tries again.
 */
export class SyncLockBusyError extends JobsError {
  constructor(message: string) {
    super(message, { code: 'ELOCKED', exitCode: EXIT.unavailable });
  }
}

export class UsageError extends JobsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'EUSAGE', exitCode: EXIT.usage, cause: options.cause });
  }
}

/** The work itself failed (a job run, a job that could not be found): exit 1. */
export class WorkFailedError extends JobsError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'EFAILED', exitCode: EXIT.failed, cause: options.cause });
  }
}

/**
 * An operator disabled the job (`jobs disable`): a run asked for by hand is refused. Exit 1,
 * not 2: the command was right, the job's state refused it (the file's `enabled: false`,
 * a mistake in what was asked for, stays a usage error).
 */
export class JobDisabledError extends JobsError {
  constructor(
    message: string,
    readonly job: string,
  ) {
    super(message, { code: 'EDISABLED', exitCode: EXIT.failed });
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An error's first line: what a listing or a one-line message shows of it. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** A run's timeout fired: the run fails (its AbortSignal carries this). */
export class RunTimeoutError extends JobsError {
  constructor(message: string) {
    super(message, { code: 'ETIMEOUT', exitCode: EXIT.failed });
  }
}

/** The worker stopped before the run finished: the run goes back to the queue, uncounted. */
export class RunStoppedError extends JobsError {
  constructor(message: string) {
    super(message, { code: 'ESTOPPED', exitCode: EXIT.failed });
  }
}

/** What a command job leaves behind (SPEC §3): its exit code and the tails of its output. */
export interface CommandSummary {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A command job exited non-zero or was killed; the summary is stored with the failed run. */
export class CommandFailedError extends JobsError {
  constructor(
    message: string,
    readonly summary: CommandSummary,
  ) {
    super(message, { code: 'ECOMMAND', exitCode: EXIT.failed });
  }
}

/** HTTP statuses the admin page's API answers with besides 2xx. */
export type WebErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 415 | 421 | 500 | 503;

/** A request to the admin page or its API that cannot be served: its status and why, in one sentence. */
export class WebRequestError extends JobsError {
  constructor(
    readonly status: WebErrorStatus,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { code: 'EWEB', exitCode: EXIT.failed, cause: options.cause });
  }
}
