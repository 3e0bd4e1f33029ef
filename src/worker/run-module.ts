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

const loaded = new Map<string, Promise<JobHandler>>();

function loadHandler(path: string): Promise<JobHandler> {
  let handler = loaded.get(path);
  if (!handler) {
    handler = import(pathToFileURL(path).href).then((module: { default?: unknown }) => {
      if (typeof module.default !== 'function')
        throw new Error(`module ${path} exports no default function`);
      return module.default as JobHandler;
    });
    loaded.set(path, handler);
  }
  return handler;
}

/**
 * Runs a module job in this process. A handler that ignores `signal` cannot be stopped
 * from outside; the run still fails at its timeout and the worker moves on.
 */
export async function runModule(handler: ModuleHandler, input: RunInput): Promise<unknown> {
  const run = await loadHandler(handler.path);
  const context = new ModuleContext(input);
  let stopListening = () => undefined as void;
  const aborted = new Promise<never>((_, reject) => {
    stopListening = input.abort.onAbort(reject);
  });
  let summary: unknown;
  try {
    summary = await Promise.race([Promise.resolve().then(() => run(context)), aborted]);
  } catch (error) {
    if (input.abort.reason) throw input.abort.reason;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`module ${handler.spec} threw: ${message}`, { cause: error });
  } finally {
    stopListening();
  }
  return toJson(summary, handler.spec);
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
  if (summary === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(summary)) as unknown;
  } catch (error) {
    throw new Error(
      `module ${spec} returned a summary that is not JSON-serialisable: ${(error as Error).message}`,
    );
  }
}

export type { Logger };
