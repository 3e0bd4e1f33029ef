import type { Command } from 'commander';
import { waitForActivation } from '../../process/ipc.js';
import { runWorkerProcess } from '../../worker/worker-process.js';
import { environmentHelp } from '../environment-help.js';
import { collect, durationFlag, metricsAddrFlag, wholeNumberFlag } from '../flags.js';
import { startWorkerProcess, type WorkerFlags } from '../process-start.js';
import { addRecycleOptions } from '../recycle-options.js';

interface WorkFlags extends WorkerFlags {
  stopWhenEmpty?: boolean;
}

export function registerWork(program: Command): void {
  const command = program
    .command('work')
    .description(
      'run one worker process in the foreground (the daemon forks these; Supervisor can run them too)',
    )
    .option(
      '--queue <name>',
      'consume this queue (repeatable; default: every queue in the definitions)',
      collect,
      [],
    )
    .option(
      '--concurrency <c>',
      'jobs this process runs at once, per queue',
      wholeNumberFlag('--concurrency', 1),
    )
    .option('--once', 'process one job, then exit 0')
    .option('--stop-when-empty', 'exit 0 once no job is due')
    .option(
      '--stop-timeout <duration>',
      'on SIGTERM, how long to wait for running jobs before aborting them (back to the queue)',
      durationFlag('--stop-timeout'),
    )
    .option(
      '--metrics-addr <host:port>',
      "serve this worker's own /metrics, /healthz and /readyz (default: off; a daemon serves its forked workers')",
      metricsAddrFlag('--metrics-addr'),
    );
  addRecycleOptions(command)
    .addHelpText('after', environmentHelp('work'))
    .action(async (flags: WorkFlags, command: Command) => {
      // A spare forked ahead of time by the daemon's pool waits here, modules loaded.
      if (!(await waitForActivation())) return;
      // JOBS_METRICS_ADDR is the daemon's: a worker serves metrics only when told to here,
      // since several workers on one host would all claim the same port.
      const metricsAddr = flags.metricsAddr ?? 'off';
      const worker = await startWorkerProcess(command, { ...flags, metricsAddr }, 'worker');
      await runWorkerProcess({
        ...worker,
        stopWhenEmpty: flags.stopWhenEmpty ? {} : undefined,
        restartable: true,
        metrics: worker.settings.metricsAddr !== 'off',
      });
    });
}
