import { childEnvironment, type Settings } from '../config/settings.js';
import { loadDefinitions } from '../definitions/load.js';
import { Heartbeat, removeHeartbeat, type WorkerSummary } from '../heartbeat/heartbeat.js';
import type { ChildWorker } from './child.js';
import { HostScheduleKeeper } from '../schedule/host-schedule-keeper.js';
import { withHostQueues } from '../schedule/host-queues.js';
import { Pruner } from '../queue/prune.js';
import type { Definitions } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { MetricsEndpoint, MetricsRoutes, parseAddress } from '../metrics/server.js';
import type { WebHandler } from '../web/listener.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import { describeTarget, openMonitorConnection, type RedisClient } from '../redis/connection.js';
import { DataLossWatch } from '../redis/data-loss.js';
import { EmbeddedRedis } from '../redis/embedded.js';
import { checkServer } from '../redis/server-check.js';
import { connectWhenReady } from '../redis/wait-ready.js';
import { RestartWatcher } from '../restart/generation.js';
import { retentionOf } from '../schedule/job-options.js';
import { syncAndReport } from '../schedule/sync.js';
import { recordRuns, type RunRecorder } from '../runs/recorder.js';
import { Liveness } from './liveness.js';
import { WorkerPool } from './pool.js';
import { closeWithin } from '../process/deadline.js';
import { RunRecovery } from './run-recovery.js';
import { runStopSteps, STOP_STEP_TIMEOUT_MS } from './stop-steps.js';
import { workerEntryArgs } from '../worker/entry-args.js';

export interface DaemonOptions {
  settings: Readonly<Settings>;
  /** false with --no-scheduler: this daemon runs workers and metrics, never syncs. */
  scheduler: boolean;
  bus: JobsEventBus;
  log: Logger;
}

/**
 * `jobs start`: loads the definitions, brings up Redis (the embedded one when no
 * REDIS_URL), keeps the schedulers in sync with the file, and supervises the worker pool.
 */
export class Daemon {
  private embedded: EmbeddedRedis | undefined;
  private client: RedisClient | undefined;
  private pool: WorkerPool | undefined;
  private metrics: DaemonMetrics | undefined;
  private metricsServer: MetricsEndpoint | undefined;
  private web: WebHandler | undefined;
  private monitor: RedisClient | undefined;
  private definitions: Definitions | undefined;
  private heartbeat: Heartbeat | undefined;
  private pruner: Pruner | undefined;
  private restarts: RestartWatcher | undefined;
  private hostSchedules: HostScheduleKeeper | undefined;
  private recovery: RunRecovery | undefined;
  private liveness: Liveness | undefined;
  private recorder: RunRecorder | undefined;
  private dataLoss: DataLossWatch | undefined;
  /** Aborts the start-up's waits (the sync lock) when a stop comes during start. */
  private readonly startAbort = new AbortController();
  /** The queues pruning and run recovery change; Redis errors are the daemon client's to report. */
  private readonly queues: LazyQueues;
  private stopping: Promise<void> | undefined;
  private resolveStopped: () => void = () => undefined;
  /** Resolves once the daemon has stopped (after a signal or stop()). */
  readonly stopped: Promise<void> = new Promise((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: DaemonOptions) {
    const { redis, prefix } = options.settings;
    this.queues = new LazyQueues(redis, 'worker', prefix);
  }

  async start(): Promise<void> {
    const { settings, bus } = this.options;
    // Validation comes before anything touches Redis: a bad file changes nothing.
    this.definitions = await loadDefinitions(settings.configPath);
    // Listen before Redis is up: /readyz then says what the daemon is waiting for, and a
    // taken port fails the start before anything else is touched.
    await this.startMetrics(this.definitions);
    if (settings.embeddedRedis) {
      this.embedded = new EmbeddedRedis(settings.varDir);
      await this.embedded.start();
    }
    if (this.metrics) {
      this.monitor = openMonitorConnection(settings.redis);
      this.metrics.attachRedis(this.monitor);
    }
    this.client = await connectWhenReady(settings.redis, bus);
    const check = await checkServer(this.client);
    bus.emit('redis:ready', { target: describeTarget(settings.redis), version: check.version });
    for (const warning of check.warnings) bus.emit('redis:warning', { message: warning });
    if (this.stopping) return;

    if (this.options.scheduler) await this.sync(this.definitions);
    if (this.stopping) return;
    this.startDataLossWatch(this.client);
    this.heartbeat = new Heartbeat({
      client: this.client,
      prefix: settings.prefix,
      host: settings.hostId,
      roles: settings.hostRoles,
      role: 'daemon',
      // A daemon that runs workers names its host's own queues too: the host counts as
      // live for `runOn: all` from its start, before its workers beat.
      queues:
        settings.workers > 0
          ? withHostQueues(
              queueNames(this.definitions),
              this.definitions,
              settings.hostId,
              settings.hostRoles,
            )
          : queueNames(this.definitions),
      // Its workers' states, so that a blocked one (whose own heartbeat stops) still shows.
      workers: () => this.pool?.children().map(describeChild) ?? [],
    });
    this.heartbeat.start();
    // `jobs restart`: re-read, re-sync and restart this daemon's workers in phases. Its
    // workers leave `jobs restart` to it, so their replacements start first.
    this.restarts = new RestartWatcher({
      target: settings.redis,
      client: this.client,
      prefix: settings.prefix,
      onRestart: () => void this.reload(),
    });
    await this.restarts.start();
    // Every scheduling daemon prunes; clean is idempotent, so several doing it is harmless.
    if (this.options.scheduler) this.startPruner();
    if (this.options.scheduler) this.startHostSchedules(this.client);
    const client = this.client;
    this.recorder = recordRuns(bus, client, settings.prefix, this.options.log, settings.hostId);
    this.recovery = new RunRecovery({
      client,
      prefix: settings.prefix,
      queue: (name) => this.queues.get(name),
      bus,
      onError: (error) =>
        this.options.log.error({ error: error.message }, "could not recover a worker's runs"),
    });
    const recovery = this.recovery;
    this.pool = new WorkerPool({
      size: settings.workers,
      args: workerEntryArgs(settings),
      env: childEnvironment(settings),
      stopTimeoutMs: settings.stopTimeoutMs,
      bus,
      relay: this.metrics ? (tally) => this.metrics?.recordRelayed(tally) : undefined,
      spares: settings.spareWorkers,
      onExit: (exit) => {
        const held = recovery.recover(exit);
        // A dead worker's beat would linger for its TTL: status tells the truth at once.
        if (!exit.planned)
          void removeHeartbeat(client, settings.prefix, `${settings.hostId}:${exit.child.pid}`);
        // A blocked worker's state changes the daemon's beat: say it now, not in 5 s.
        if (exit.child.blockedSince !== undefined) this.heartbeat?.beatNow();
        return held;
      },
    });
    const pool = this.pool;
    this.metrics?.attachPool(() => pool.workerStates());
    this.liveness = new Liveness({
      pool,
      recovery,
      bus,
      timeoutOf: (name) => this.definitions?.jobs.get(name)?.timeoutMs,
      onError: () => undefined, // Redis away: its outage is logged by the client
    });
    bus.on('worker:blocked', () => this.heartbeat?.beatNow());
    bus.on('worker:unblocked', () => this.heartbeat?.beatNow());
    if (this.stopping) return;
    this.pool.start();
    this.liveness.start();
  }

  private async startMetrics(definitions: Definitions): Promise<void> {
    const { settings, bus, scheduler } = this.options;
    if (settings.metricsAddr === 'off') return;
    this.metrics = new DaemonMetrics({ prefix: settings.prefix, bus, scheduler });
    this.metrics.setDefinitions(definitions);
    // The admin page shares the address; loaded only when on (it is most of a bundle chunk).
    if (settings.web.enabled) {
      const { createWebHandler } = await import('../web/listener.js');
      this.web = createWebHandler(settings, parseAddress(settings.metricsAddr).host);
    }
    // One address: the metrics routes answer their three paths, the page every other.
    const routes = new MetricsRoutes({ token: settings.metricsToken, source: this.metrics });
    const web = this.web;
    this.metricsServer = new MetricsEndpoint(settings.metricsAddr, (request, response) => {
      if (web && !MetricsRoutes.owns(request)) web.listener(request, response);
      else routes.serve(request, response);
    });
    const { host, port } = await this.metricsServer.start();
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    bus.emit('metrics:listening', { url });
    if (this.web)
      bus.emit('web:serving', { url: `${url}${this.web.basePath}/`, access: this.web.mode });
  }

  /**
   * SIGHUP / `jobs restart`: re-read the file, re-sync, and restart the workers in phases
   * (each replacement forked now, with the code on disk now; the old one finishes).
   */
  async reload(): Promise<void> {
    if (this.stopping) return;
    // The replacements start first: they load the code as it is on disk at the request.
    this.pool?.restartAll();
    this.options.bus.emit('daemon:reloading', { workers: this.options.settings.workers });
    try {
      const definitions = await loadDefinitions(this.options.settings.configPath);
      if (this.options.scheduler) await this.sync(definitions);
      this.definitions = definitions;
      // New or changed runOn: all jobs reach the hosts now, not a round later.
      void this.hostSchedules?.reconcileNow();
      this.metrics?.setDefinitions(definitions);
    } catch (error) {
      // A bad edit must not take down a running daemon: keep the last good definitions.
      this.options.log.error(
        { error: (error as Error).message },
        'reload failed; keeping the current definitions',
      );
    }
  }

  workerPids(): number[] {
    return this.pool?.pids() ?? [];
  }

  isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops scheduling, stops the workers gracefully, closes Redis. Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) this.startAbort.abort();
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** A second signal while stopping: make the workers abort their jobs now. */
  forceStop(): void {
    this.pool?.forceStop();
  }

  private startHostSchedules(client: RedisClient): void {
    const { settings, bus, log } = this.options;
    this.hostSchedules = new HostScheduleKeeper({
      client,
      target: settings.redis,
      prefix: settings.prefix,
      retention: retentionOf(settings),
      definitions: () => this.definitions,
      onChanged: (changes) => bus.emit('schedule:hosts', changes),
      onError: (error) => log.error({ error: error.message }, 'host schedules failed'),
    });
    this.hostSchedules.start();
  }

  /** Redis that comes back empty: say so, and (scheduling) re-sync as on a reload. */
  private startDataLossWatch(client: RedisClient): void {
    const { settings, bus, log, scheduler } = this.options;
    this.dataLoss = new DataLossWatch({
      client,
      prefix: settings.prefix,
      target: describeTarget(settings.redis),
      bus,
      resync: scheduler
        ? async () => {
            await this.sync(this.definitions as Definitions);
            await this.hostSchedules?.reconcileNow();
          }
        : undefined,
      onError: (error) => log.error({ error: error.message }, 're-sync after data loss failed'),
    });
    this.dataLoss.start();
  }

  private startPruner(): void {
    const { settings, bus, log } = this.options;
    this.pruner = new Pruner({
      queues: () => this.queues.getAll(queueNames(this.definitions)),
      ages: retentionOf(settings),
      onPruned: (results) => {
        for (const result of results)
          if (result.failed + result.completed > 0) bus.emit('queue:pruned', result);
      },
      onError: (error) => log.error({ error: error.message }, 'prune failed'),
    });
    this.pruner.start();
  }

  private async sync(definitions: Definitions): Promise<void> {
    const { settings, bus } = this.options;
    const client = this.client as RedisClient;
    await syncAndReport(client, settings, definitions, bus, this.startAbort.signal);
  }

  /**
   * Each step on its own: one that throws or hangs is logged and passed, so the daemon
   * always reaches its end (BullMQ's Worker.close does the same).
   */
  private async stopAll(): Promise<void> {
    const { log } = this.options;
    await runStopSteps(
      [
        ['restart watcher', () => this.restarts?.stop()],
        ['data loss watch', () => this.dataLoss?.stop()],
        ['liveness check', () => this.liveness?.stop()],
        ['pruner', () => this.pruner?.stop()],
        ['host schedules', () => this.hostSchedules?.stop()],
        ['worker pool', () => this.pool?.stop()],
        ['run recovery', () => this.recovery?.settle()],
        ['run records', () => this.recorder?.flush()],
        ['metrics server', () => this.metricsServer?.stop()],
        ['admin page', () => this.web?.close()],
        ['monitor connection', () => this.monitor?.disconnect()],
        ['heartbeat', () => this.heartbeat?.stop()],
        ['queues', () => this.queues.closeAll()],
        ['redis connection', () => this.closeClient()],
        ['embedded redis', () => this.embedded?.stop()],
      ],
      (step, error) => log.error({ step, error: error.message }, `stopping: ${step} failed`),
      // The pool waits out the workers' stop timeout itself, then kills them.
      Math.max(STOP_STEP_TIMEOUT_MS, this.options.settings.stopTimeoutMs + 30_000),
    );
    this.resolveStopped();
  }

  private async closeClient(): Promise<void> {
    if (!this.client) return;
    const client = this.client;
    await closeWithin(2_000, () => client.quit());
    client.disconnect();
  }
}

function queueNames(definitions: Definitions | undefined): string[] {
  const names = new Set([...(definitions?.jobs.values() ?? [])].map((job) => job.queue));
  return names.size > 0 ? [...names].sort() : ['default'];
}

/** What the daemon's heartbeat says of one of its workers (`jobs status`). */
function describeChild(child: ChildWorker): WorkerSummary {
  return {
    pid: child.pid,
    state: child.state,
    startedAt: child.forkedAt,
    ...(child.blockedSince !== undefined
      ? { blockedSince: child.blockedSince, jobs: child.blockedJobs }
      : {}),
  };
}
