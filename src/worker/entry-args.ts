import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Settings, SettingsFlags } from '../config/settings.js';

/**
 * The file the daemon's pool forks for each worker process (worker/main.ts): the worker
 * layer's own entry, so a forked worker loads neither the CLI nor its command parser
 * (`../worker/`: from a bundled chunk in dist/chunks/ as from src/worker/).
 */
export const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));

/**
 * The daemon's settings a forked worker takes from its arguments, as `jobs work` takes
 * them from its flags (the rest it inherits in its environment, `childEnvironment`).
 * Plain numbers in ms and MB: the daemon writes them, `ps` shows them.
 */
export function workerEntryArgs(settings: Readonly<Settings>): string[] {
  const { maxJobs, maxTimeMs, maxMemoryMb } = settings.recycle;
  return [
    '--config',
    settings.configPath,
    '--concurrency',
    String(settings.concurrency),
    '--stop-timeout-ms',
    String(settings.stopTimeoutMs),
    ...(maxJobs !== undefined ? ['--max-jobs', String(maxJobs)] : []),
    ...(maxTimeMs !== undefined ? ['--max-time-ms', String(maxTimeMs)] : []),
    ...(maxMemoryMb !== undefined ? ['--max-memory-mb', String(maxMemoryMb)] : []),
  ];
}

const NUMBERS = ['concurrency', 'stop-timeout-ms', 'max-jobs', 'max-time-ms', 'max-memory-mb'];

/** The settings flags in a forked worker's arguments (workerEntryArgs' output). */
export function readWorkerEntryArgs(args: readonly string[]): SettingsFlags {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      config: { type: 'string' },
      ...Object.fromEntries(NUMBERS.map((name) => [name, { type: 'string' as const }])),
    },
  });
  const number = (name: string): number | undefined => {
    const text = (values as Record<string, string | undefined>)[name];
    if (typeof text !== 'string') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`worker argument --${name}: not a whole number: ${text}`);
    return value;
  };
  return {
    config: typeof values.config === 'string' ? values.config : undefined,
    concurrency: number('concurrency'),
    stopTimeout: number('stop-timeout-ms'),
    maxJobs: number('max-jobs'),
    maxTime: number('max-time-ms'),
    maxMemory: number('max-memory-mb'),
    // The daemon serves its workers' metrics: a forked worker never serves its own.
    metricsAddr: 'off',
  };
}
