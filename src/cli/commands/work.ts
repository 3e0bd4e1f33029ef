import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSettings } from '../../config/settings.js';
import { loadDefinitions } from '../../definitions/load.js';
import { JobsEventBus } from '../../events.js';
import { createLogger } from '../../logging/logger.js';
import { logEvents } from '../../logging/subscribe.js';
import { Redis } from 'ioredis';
import { Heartbeat } from '../../heartbeat/heartbeat.js';
import { relayEventsToParent } from '../../metrics/relay.js';
import { serveWorkerMetrics } from '../../metrics/worker-metrics.js';
import { bullConnection, connectionOptions } from '../../redis/connection.js';
import { recordRuns } from '../../runs/recorder.js';
import { PauseGuard } from '../../worker/pause-guard.js';
import { JobsWorker } from '../../worker/worker.js';
import { environmentHelp } from '../environment-help.js';
import { onStopSignals } from '../signals.js';

interface WorkFlags {
  queue?: string[];
  concurrency?: string;
  stopTimeout?: string;
  metricsAddr?: string;
}

export function registerWork(program: Command): void {
  program
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
    .option('--concurrency <c>', 'jobs this process runs at once, per queue')
    .option(
      '--stop-timeout <duration>',
      'on SIGTERM, how long to wait for running jobs before aborting them',
    )
    .option(
      '--metrics-addr <host:port>',
      "serve this worker's own /metrics, /healthz and /readyz (default: off; a daemon serves its forked workers')",
    )
    .addHelpText(
      'after',
      environmentHelp([
        'REDIS_URL',
        'JOBS_CONFIG',
        'JOBS_PREFIX',
        'JOBS_CONCURRENCY',
        'JOBS_STOP_TIMEOUT',
        'JOBS_METRICS_TOKEN',
        'LOG_LEVEL',
      ]),
    )
    .action(async (flags: WorkFlags, command: Command) => {
      const global = command.optsWithGlobals<{ config?: string }>();
      // JOBS_METRICS_ADDR is the daemon's: a worker serves metrics only when told to here,
      // since several workers on one host would all claim the same port.
      const settings = loadSettings({
        ...flags,
        metricsAddr: flags.metricsAddr ?? 'off',
        config: global.config,
      });
      const definitions = await loadDefinitions(settings.configPath);
      const log = createLogger(settings.logLevel, { role: 'worker' });
      const bus = new JobsEventBus();
      logEvents(bus, log);
      // One extra connection for run records, pause windows and the heartbeat. It queues
      // commands while Redis is away, as the BullMQ workers wait for it too.
      const client = new Redis(connectionOptions(settings.redis, 'worker'));
      client.on('error', () => undefined); // the workers report Redis errors
      const recorder = recordRuns(bus, client, settings.prefix, log);
      const worker = new JobsWorker({
        connection: bullConnection(settings.redis, 'worker'),
        prefix: settings.prefix,
        definitions,
        queues: flags.queue,
        concurrency: settings.concurrency,
        stopTimeoutMs: settings.stopTimeoutMs,
        bus,
        log,
        pauseGuard: new PauseGuard(client, settings.prefix),
      });
      const heartbeat = new Heartbeat({
        client,
        prefix: settings.prefix,
        role: 'worker',
        queues: worker.queues,
        bus,
        // Forked by a daemon (which sets the slot): name it, so status can group them.
        parentPid: process.env.JOBS_WORKER_SLOT !== undefined ? process.ppid : undefined,
      });
      const activeJobs = () => worker.activeCount();
      // Forked by a daemon: it counts our runs. On our own: we serve them, if asked.
      const relay = relayEventsToParent(bus, activeJobs);
      const stopMetrics =
        !relay && settings.metricsAddr !== 'off'
          ? await serveWorkerMetrics({ settings, bus, definitions, activeJobs })
          : undefined;
      const stopped = new Promise<void>((resolve) => {
        onStopSignals(
          (signal) => void worker.stop(signal).then(resolve),
          () => worker.forceStop(),
        );
        // Forked by a daemon that is gone (killed outright): finish up rather than run orphaned.
        process.once('disconnect', () => void worker.stop('daemon gone').then(resolve));
      });
      worker.start();
      heartbeat.start();
      await stopped;
      await relay?.flush();
      await stopMetrics?.();
      await recorder.flush();
      await heartbeat.stop();
      await Promise.race([client.quit().catch(() => undefined), sleep(1_000)]);
      client.disconnect();
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
