import type { Settings } from '../config/settings.js';
import {
  EXIT_REASONS,
  isForkedWorker,
  isRestartMessage,
  relayMetricsToParent,
  sendToDaemon,
  startAliveBeat,
} from '../process/ipc.js';
import { onStopSignals } from '../process/signals.js';
import { closeWithin } from '../process/deadline.js';
import type { Definitions } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import { Heartbeat } from '../heartbeat/heartbeat.js';
import type { Logger } from '../logging/logger.js';
import { openRedis } from '../redis/connection.js';
import { RestartWatcher } from '../restart/generation.js';
import { publishLiveOutput } from '../runs/live-output.js';
import { recordRuns } from '../runs/recorder.js';
import { readJobSwitch } from '../schedule/job-switch.js';
import { countDueJobs } from '../queue/inspect.js';
import { LimitWatcher, type RecycleLimits } from './limits.js';
import { PauseGuard } from './pause-guard.js';
import { RunGuard } from './run-guard.js';
import { RoleGuard } from './role-guard.js';
import { QueueConsumers } from './consumers.js';
import { EventLoopWatch } from './event-loop-watch.js';

/** How often a worker that stops when empty looks for due jobs while it runs none. */
export const EMPTY_CHECK_INTERVAL_MS = 250;

export interface WorkerProcessOptions {
  settings: Readonly<Settings>;
  definitions: Definitions;
  bus: JobsEventBus;
  log: Logger;
  queues?: readonly string[];
  limits: RecycleLimits;
  /** Stop once no job is due (`--stop-when-empty`, `jobs run`): due by this time, or now. */
  stopWhenEmpty?: { dueBefore?: number };
  /**
   * Follow `jobs restart` (a `jobs run` ends by itself and is not supervised). A worker
   * forked by a daemon follows it through its daemon, which starts the replacement first.
   */
  restartable: boolean;
  /** Serve this process's own metrics (a standalone `jobs work --metrics-addr`). */
  metrics: boolean;
}

/**
 * One worker process from start to stop: the consumers, run records, heartbeat, metrics
 * relay, and every way it can be told to stop — signals, `jobs restart`, the daemon's
 * IPC, recycling limits, an empty queue. Resolves with the reason it stopped.
 */
export async function runWorkerProcess(options: WorkerProcessOptions): Promise<string> {
  const { settings, definitions, bus, log } = options;
  // One extra connection for run records, pause windows, heartbeat and restart stamps. It
  // queues commands while Redis is away, as the consumers wait for it too.
  const client = openRedis(settings.redis, 'worker');
  client.on('error', () => undefined); // the consumers report Redis errors
  const forked = isForkedWorker();
  // A daemon watches its workers' event loops; a worker on its own watches itself.
  const loopWatch = forked ? undefined : new EventLoopWatch();
  loopWatch?.start();
  const recorder = recordRuns(bus, client, settings.prefix, log, settings.hostId);
  const liveOutput = publishLiveOutput(bus, client, settings.prefix);
  const roleGuard = new RoleGuard(client, settings.prefix, settings.redis, settings.hostRoles);
  const consumers = new QueueConsumers({
    target: settings.redis,
    prefix: settings.prefix,
    definitions,
    queues: options.queues,
    concurrency: settings.concurrency,
    stopTimeoutMs: settings.stopTimeoutMs,
    bus,
    log,
    pauseGuard: new PauseGuard(client, settings.prefix),
    runGuard: new RunGuard(client, settings.prefix),
    readSwitch: (name) => readJobSwitch(client, settings.prefix, name),
    hostId: settings.hostId,
    hostRoles: settings.hostRoles,
    roleGuard,
    client,
    loopWatch,
    // The daemon finds this process's runs in Redis by these ids, should it die or block.
    onConsumers: forked
      ? ({ queues, consumers }) => void sendToDaemon({ type: 'jobs:ready', queues, consumers })
      : undefined,
  });
  const heartbeat = new Heartbeat({
    client,
    prefix: settings.prefix,
    role: 'worker',
    host: settings.hostId,
    roles: settings.hostRoles,
    queues: consumers.queues,
    bus,
    // Forked by a daemon (which sets the slot): name it, so status can group them.
    parentPid: forked ? process.ppid : undefined,
  });
  const activeJobs = () => consumers.activeCount();
  // Forked by a daemon: it counts our runs. On our own: we serve them, if asked.
  const relay = relayMetricsToParent(bus, activeJobs, (name) => definitions.jobs.has(name));
  // Imported only when served: prom-client and the HTTP server are memory every worker
  // forked by a daemon (which serves the metrics itself) would carry for nothing.
  const stopMetrics =
    !relay && options.metrics
      ? await (
          await import('../metrics/worker-metrics.js')
        ).serveWorkerMetrics({ settings, bus, definitions, activeJobs })
      : undefined;

  let reason: string | undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = (why: string) => {
    reason ??= why;
    // Said first thing, so the daemon knows why even if the exit comes abruptly.
    const exitReason = EXIT_REASONS.find((known) => known === why);
    if (forked && exitReason) void sendToDaemon({ type: 'jobs:exiting', reason: exitReason });
    void consumers.stop(why).then(resolveStopped);
  };
  onStopSignals(stop, () => consumers.forceStop());
  process.on('message', (message) => {
    if (isRestartMessage(message)) stop('restart');
  });
  // Forked by a daemon that is gone (killed outright): finish up rather than run orphaned.
  process.once('disconnect', () => stop('daemon gone'));
  const limits = new LimitWatcher(options.limits, bus, stop);
  limits.start();
  const stopAliveBeat = forked ? startAliveBeat(activeJobs) : () => undefined;
  const restarts =
    options.restartable && !forked
      ? new RestartWatcher({
          target: settings.redis,
          client,
          prefix: settings.prefix,
          onRestart: () => stop('restart'),
        })
      : undefined;
  if (restarts) {
    void restarts.start();
    // The stored stamp, between jobs: for a worker whose subscriber missed the message.
    for (const done of ['job:completed', 'job:failed'] as const)
      bus.on(done, () => restarts.betweenJobs());
  }
  const emptyTimer = options.stopWhenEmpty
    ? watchEmpty(options.stopWhenEmpty.dueBefore, () => stop('empty'))
    : undefined;

  function watchEmpty(dueBefore: number | undefined, onEmpty: () => void): NodeJS.Timeout {
    return setInterval(() => {
      if (consumers.activeCount() > 0) return;
      countDueJobs(client, settings.prefix, consumers.queues, dueBefore ?? Date.now())
        .then((due) => {
          if (due === 0 && consumers.activeCount() === 0) onEmpty();
        })
        .catch(() => undefined); // Redis away: look again later
    }, EMPTY_CHECK_INTERVAL_MS);
  }

  // A stop signal that came while this process was starting has been handed over already.
  if (reason === undefined) {
    consumers.start();
    heartbeat.start();
  }
  await stopped;
  limits.stop();
  restarts?.stop();
  stopAliveBeat();
  await loopWatch?.stop();
  if (emptyTimer) clearInterval(emptyTimer);
  await roleGuard.stop();
  await relay?.flush();
  await stopMetrics?.();
  liveOutput.stop();
  await recorder.flush();
  await heartbeat.stop();
  await closeWithin(1_000, () => client.quit());
  client.disconnect();
  return reason ?? 'stopped';
}
