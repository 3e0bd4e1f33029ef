import type { Command } from 'commander';
import { connectProducer } from '../../redis/connection.js';
import { syncAndReport } from '../../schedule/sync.js';
import { runWorkerProcess } from '../../worker/worker-process.js';
import { environmentHelp } from '../environment-help.js';
import { collect, durationFlag, wholeNumberFlag } from '../flags.js';
import { startWorkerProcess, type WorkerFlags } from '../process-start.js';
import { addRecycleOptions } from '../recycle-options.js';

/**
 * `jobs run`: cron mode, for hosts with no daemon (`* * * * * jobs run` in a crontab).
 * Syncs the schedules as a daemon would, then processes every job that is due at the
 * moment it started — scheduled ticks whose time has come and enqueued jobs — and exits
 * 0. A tick that fell between two runs is due at the next one, so it runs once, late.
 */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('cron mode: process every job that is due now, then exit 0')
    .option('--queue <name>', 'only this queue (repeatable; default: every queue)', collect, [])
    .option('--concurrency <c>', 'jobs run at once, per queue', wholeNumberFlag('--concurrency', 1))
    .option('--once', 'process one job, then exit')
    .option(
      '--stop-timeout <duration>',
      'on SIGTERM, how long to wait for running jobs',
      durationFlag('--stop-timeout'),
    );
  addRecycleOptions(command, 'exit 0')
    .addHelpText('after', environmentHelp('run'))
    .action(async (flags: WorkerFlags, command: Command) => {
      const startedAt = Date.now();
      const worker = await startWorkerProcess(command, { ...flags, metricsAddr: 'off' }, 'run');
      // Fails fast (exit 69) when Redis is away: cron calls again next minute.
      const client = await connectProducer(worker.settings);
      try {
        await syncAndReport(client, worker.settings, worker.definitions, worker.bus);
      } finally {
        client.disconnect();
      }
      await runWorkerProcess({
        ...worker,
        stopWhenEmpty: { dueBefore: startedAt },
        restartable: false,
        metrics: false,
      });
    });
}
