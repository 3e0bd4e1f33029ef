import { loadSettings } from '../config/settings.js';
import { loadDefinitions } from '../definitions/load.js';
import { EXIT } from '../errors.js';
import { startLogging } from '../logging/process-log.js';
import { flushAndExit, reportFailure } from '../process/exit.js';
import { waitForActivation } from '../process/ipc.js';
import { sayEvictionWarningOnce } from '../redis/eviction-warning.js';
import { readWorkerEntryArgs } from './entry-args.js';
import { runWorkerProcess } from './worker-process.js';

/**
 * A worker process forked by the daemon's pool (daemon/spare.ts), from start to exit:
 * what `jobs work` does, with its settings from the daemon's arguments (entry-args.ts)
 * instead of the CLI's flags. A spare forked ahead of time waits for its activation here,
 * modules loaded. Ends the process, with the exit code an error calls for.
 */
export async function runForkedWorker(args: readonly string[]): Promise<never> {
  try {
    sayEvictionWarningOnce('work');
    if (await waitForActivation()) {
      const settings = loadSettings(readWorkerEntryArgs(args));
      const { log, bus } = startLogging(settings, 'worker');
      const definitions = await loadDefinitions(settings.configPath);
      await runWorkerProcess({
        settings,
        definitions,
        bus,
        log,
        limits: settings.recycle,
        restartable: true,
        metrics: false,
      });
    }
    process.exitCode = EXIT.ok;
  } catch (error) {
    process.exitCode = reportFailure(error);
  }
  return flushAndExit();
}
