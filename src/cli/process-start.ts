import type { Command } from 'commander';
import { loadSettings, type Settings, type SettingsFlags } from '../config/settings.js';
import { loadDefinitions } from '../definitions/load.js';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { startLogging } from '../logging/process-log.js';
import type { WorkerProcessOptions } from '../worker/worker-process.js';
import { recycleLimits, type RecycleFlags } from './recycle-options.js';

/** A long-running command's settings, its logger and the event bus that logger follows. */
export interface ProcessStart {
  settings: Readonly<Settings>;
  log: Logger;
  bus: JobsEventBus;
}

/**
 * What `jobs start`, `jobs work` and `jobs run` do first: the settings from their flags
 * and --config (a bad value exits 78 before anything else), a logger naming the process's
 * role, and the one subscriber that turns its events into log lines.
 */
export function startProcess(command: Command, flags: SettingsFlags, role: string): ProcessStart {
  const global = command.optsWithGlobals<{ config?: string }>();
  const settings = loadSettings({ ...flags, config: global.config });
  return { settings, ...startLogging(settings, role) };
}

/** The flags of the commands that run a worker process in the foreground. */
export interface WorkerFlags extends RecycleFlags {
  queue?: string[];
  concurrency?: number;
  stopTimeout?: number;
  metricsAddr?: string;
  once?: boolean;
}

/** How the worker process stops and what it serves: each command's own. */
type WorkerRunMode = 'stopWhenEmpty' | 'restartable' | 'metrics';

/**
 * `jobs work` and `jobs run`: startProcess, then the definitions, and the worker options
 * both take from their flags (queues, recycling limits with `--once` as one job).
 */
export async function startWorkerProcess(
  command: Command,
  flags: WorkerFlags,
  role: string,
): Promise<Omit<WorkerProcessOptions, WorkerRunMode>> {
  const { settings, log, bus } = startProcess(command, flags, role);
  const definitions = await loadDefinitions(settings.configPath);
  return {
    settings,
    definitions,
    bus,
    log,
    queues: flags.queue,
    limits: recycleLimits(settings.recycle, flags.once),
  };
}
