import { pathToFileURL } from 'node:url';
import type { Handler } from '../definitions/types.js';
import type { Logger } from '../logging/logger.js';
import type { RunAbort } from './run-abort.js';

/** What a module handler's default export receives (SPEC §3). */
export interface JobContext<Data = unknown> {
  name: string;
  id: string;
  data: Data;
  /** 1 for the first try. */
  attempt: number;
  /** Fires on timeout or forced stop: stop work and return or throw. */
  signal: AbortSignal;
  log: Logger;
  progress: (value: number | object) => Promise<void>;
}

export type JobHandler<Data = unknown, Summary = unknown> = (
  ctx: JobContext<Data>,
) => Summary | Promise<Summary>;

export type ModuleHandler = Extract<Handler, { kind: 'module' }>;

const loading = new Map<string, Promise<JobHandler>>();
/** Handlers once imported: a run of a loaded module does not await its import again. */
const loaded = new Map<string, JobHandler>();

/** The module's default export: at once when it was imported before, else its import. */
export function moduleHandler(handler: ModuleHandler): JobHandler | Promise<JobHandler> {
  return loaded.get(handler.path) ?? importHandler(handler.path);
}

function importHandler(path: string): Promise<JobHandler> {
  let handler = loading.get(path);
  if (!handler) {
    handler = import(pathToFileURL(path).href).then((module: { default?: unknown }) => {
      if (typeof module.default !== 'function')
        throw new Error(`module ${path} exports no default function`);
      loaded.set(path, module.default as JobHandler);
      return module.default as JobHandler;
    });
    loading.set(path, handler);
  }
  return handler;
}

/**
 * Calls a module's handler. A synchronous result comes back as it is; an asynchronous one
 * is raced with the run's abort in one promise, settled by whichever comes first, so a
 * handler that ignores `signal` still fails at its timeout and the worker moves on. The
 * processor awaits what this returns (no async layer of its own) and turns a throw into
 * the run's failure with `moduleFailure`.
 */
export function callModule(run: JobHandler, context: JobContext, abort: RunAbort): unknown {
  const summary = run(context);
  return isThenable(summary) ? untilSettledOrAborted(summary, abort) : summary;
}

/** Why a module's run failed: its abort (timeout, stop) if it had one, else what it threw. */
export function moduleFailure(handler: ModuleHandler, abort: RunAbort, error: unknown): Error {
  if (abort.reason) return abort.reason;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`module ${handler.spec} threw: ${message}`, { cause: error });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function untilSettledOrAborted(result: PromiseLike<unknown>, abort: RunAbort): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const stopListening = abort.onAbort(reject);
    result.then(
      (value) => {
        stopListening();
        resolve(value);
      },
      (error: unknown) => {
        stopListening();
        reject(error);
      },
    );
  });
}

/** The part of a BullMQ job a context reads: its name and data, and where progress goes. */
export interface ContextJob {
  readonly name: string;
  readonly data: unknown;
  updateProgress(value: number | object): Promise<void>;
}

/**
 * The `ctx` a handler receives, the one object a module run adds. A class with the
 * getters on its prototype: an object literal with getters becomes a dictionary per run
 * in V8 (kilobytes each). `signal` and `log` are getters, so the AbortSignal and the
 * child logger are made only when read; what it holds for them is private.
 */
export class ModuleContext implements JobContext {
  readonly name: string;
  readonly data: unknown;
  readonly #job: ContextJob;
  readonly #abort: RunAbort;
  readonly #parentLog: Logger;
  #log: Logger | undefined;

  constructor(
    job: ContextJob,
    readonly id: string,
    readonly attempt: number,
    abort: RunAbort,
    parentLog: Logger,
  ) {
    this.name = job.name;
    this.data = job.data;
    this.#job = job;
    this.#abort = abort;
    this.#parentLog = parentLog;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get log(): Logger {
    this.#log ??= this.#parentLog.child({ job: this.name, id: this.id });
    return this.#log;
  }

  // An own function, so `const { progress } = ctx` still works.
  readonly progress = (value: number | object): Promise<void> => this.#job.updateProgress(value);
}

/** The summary as JSON keeps it (SPEC §3: a module's return value is the run's summary). */
export function toJson(summary: unknown, handler: ModuleHandler): unknown {
  if (summary === undefined || summary === null) return null;
  // What JSON keeps as it is: no round trip (most handlers return nothing or a scalar).
  if (typeof summary === 'string' || typeof summary === 'boolean') return summary;
  if (typeof summary === 'number' && Number.isFinite(summary)) return summary;
  try {
    return JSON.parse(JSON.stringify(summary)) as unknown;
  } catch (error) {
    throw new Error(
      `module ${handler.spec} returned a summary that is not JSON-serialisable: ${(error as Error).message}`,
    );
  }
}

export type { Logger };
