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
  const context: JobContext = {
    name: input.name,
    id: input.id,
    data: input.data,
    attempt: input.attempt,
    get signal() {
      return input.abort.signal;
    },
    get log() {
      return input.log;
    },
    progress: input.progress,
  };
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
