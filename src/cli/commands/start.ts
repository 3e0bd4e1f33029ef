import type { Command } from 'commander';
import { Daemon } from '../../daemon/daemon.js';
import { environmentHelp } from '../environment-help.js';
import { durationFlag, metricsAddrFlag, wholeNumberFlag } from '../flags.js';
import { startProcess } from '../process-start.js';
import { addRecycleOptions, type RecycleFlags } from '../recycle-options.js';
import { onReloadSignal, onStopSignals } from '../../process/signals.js';

interface StartFlags extends RecycleFlags {
  config?: string;
  workers?: number;
  concurrency?: number;
  metricsAddr?: string;
  scheduler: boolean;
  stopTimeout?: number;
}

export function registerStart(program: Command): void {
  const command = program
    .command('start')
    .description(
      'run the daemon: sync schedules to Redis, supervise the worker pool, serve metrics',
    )
    .option(
      '--workers <n>',
      'worker processes (0 = scheduler and metrics only)',
      wholeNumberFlag('--workers', 0),
    )
    .option(
      '--concurrency <c>',
      'jobs each worker process runs at once, per queue',
      wholeNumberFlag('--concurrency', 1),
    )
    .option(
      '--metrics-addr <host:port>',
      "address of /metrics, /healthz and /readyz, or 'off'",
      metricsAddrFlag('--metrics-addr'),
    )
    .option('--no-scheduler', 'do not sync schedules (workers and metrics only)')
    .option(
      '--stop-timeout <duration>',
      'how long stopping workers wait for running jobs',
      durationFlag('--stop-timeout'),
    );
  addRecycleOptions(command, 'exit 0 (each worker; the daemon starts a new one)')
    .addHelpText('after', environmentHelp('start'))
    .action(async (flags: StartFlags, command: Command) => {
      const { settings, log, bus } = startProcess(command, flags, 'daemon');
      const daemon = new Daemon({ settings, scheduler: flags.scheduler, bus, log });
      onStopSignals(
        (signal) => {
          log.info({ signal }, 'stopping: waiting for running jobs');
          void daemon.stop();
        },
        (signal) => {
          log.warn({ signal }, 'second signal: aborting running jobs');
          daemon.forceStop();
        },
      );
      onReloadSignal(() => void daemon.reload());
      try {
        // A signal during start-up (Redis still unreachable, say) ends the start too.
        await Promise.race([daemon.start(), daemon.stopped]);
      } catch (error) {
        // Failing because a signal is tearing things down is the stop asked for, not an error.
        if (!daemon.isStopping()) {
          await daemon.stop();
          throw error;
        }
      }
      if (!daemon.isStopping()) {
        log.info(
          {
            workers: settings.workers,
            concurrency: settings.concurrency,
            config: settings.configPath,
          },
          'daemon started',
        );
      }
      await daemon.stopped;
      log.info('daemon stopped');
    });
}
