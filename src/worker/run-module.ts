import { pathToFileURL } from 'node:url';
import type { Handler } from '../definitions/types.js';
import type { Logger } from '../logging/logger.js';
import type { RunInput } from './run-input.js';

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

type ModuleHandler = Extract<Handler, { kind: 'module' }>;

const loading = new Map<string, Promise<JobHandler>>();
/** Handlers once imported: a run of a loaded module does not await its import again. */
const loaded = new Map<string, JobHandler>();

function loadHandler(path: string): Promise<JobHandler> {
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
 * Runs a module job in this process. A handler that ignores `signal` cannot be stopped
 * from outside; the run still fails at its timeout and the worker moves on.
 */
export async function runModule(handler: ModuleHandler, input: RunInput): Promise<unknown> {
  const run = loaded.get(handler.path) ?? (await loadHandler(handler.path));
  const context = new ModuleContext(input);
  let summary: unknown;
  try {
    // Called directly (a throw is caught here as a rejection would be); an asynchronous
    // result is raced with the run's abort in one promise, settled by whichever comes first.
    summary = run(context);
    if (isThenable(summary)) summary = await untilSettledOrAborted(summary, input.abort);
  } catch (error) {
    if (input.abort.reason) throw input.abort.reason;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`module ${handler.spec} threw: ${message}`, { cause: error });
  }
  return toJson(summary, handler.spec);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function untilSettledOrAborted(
  result: PromiseLike<unknown>,
  abort: RunInput['abort'],
): Promise<unknown> {
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

/**
 * The `ctx` a handler receives. A class with the getters on its prototype: an object
 * literal with getters becomes a dictionary per run in V8 (kilobytes each). `signal` and
 * `log` are getters, so the AbortSignal and the child logger are made only when read.
 */
class ModuleContext implements JobContext {
  readonly name: string;
  readonly id: string;
  readonly data: unknown;
  readonly attempt: number;
  readonly #input: RunInput;

  constructor(input: RunInput) {
    this.name = input.name;
    this.id = input.id;
    this.data = input.data;
    this.attempt = input.attempt;
    this.#input = input;
  }

  get signal(): AbortSignal {
    return this.#input.abort.signal;
  }

  get log(): Logger {
    return this.#input.log;
  }

  // An own function, so `const { progress } = ctx` still works.
  readonly progress = (value: number | object): Promise<void> => this.#input.progress(value);
}

function toJson(summary: unknown, spec: string): unknown {
  if (summary === undefined || summary === null) return null;
  // What JSON keeps as it is: no round trip (most handlers return nothing or a scalar).
  if (typeof summary === 'string' || typeof summary === 'boolean') return summary;
  if (typeof summary === 'number' && Number.isFinite(summary)) return summary;
  try {
    return JSON.parse(JSON.stringify(summary)) as unknown;
  } catch (error) {
    throw new Error(
      `module ${spec} returned a summary that is not JSON-serialisable: ${(error as Error).message}`,
    );
  }
}

export type { Logger };
