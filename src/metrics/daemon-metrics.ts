import type { RedisClient } from '../redis/connection.js';
import { Registry } from 'prom-client';
import { collectProcessMetrics } from './default-metrics.js';
import type { Definitions } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import { expectedIntervals, renderExpectedIntervals } from './expected-interval.js';
import {
  createEnabledGauge,
  createKillsCounter,
  createQueueGauges,
  createRedisUpGauge,
  createRestartsCounter,
  createWorkersGauge,
  type WorkerStates,
} from './gauges.js';
import { QueueCountsReader } from './queue-counts.js';
import { RunMetrics, UNKNOWN_JOB_LABEL } from './run-metrics.js';
import { applyTally, type TallyData } from './run-tally.js';
import type { MetricsSource } from './server.js';
import { recordEvents } from './subscribe.js';
import { readJobSwitches } from '../schedule/job-switch.js';

export interface DaemonMetricsOptions {
  prefix: string;
  /** The daemon's own bus: worker restarts are counted from it. */
  bus: JobsEventBus;
  /** False with --no-scheduler: readiness then does not wait for a sync. */
  scheduler: boolean;
}

/**
 * Everything `jobs start` serves on /metrics: the runs of its forked workers (their
 * tallies, relayed over IPC), its pool, the queues as Redis counts them, and the process itself.
 * Parts arrive as the daemon starts (definitions, then Redis, then the pool); until then
 * their gauges are empty and /readyz says what is missing.
 */
export class DaemonMetrics implements MetricsSource {
  readonly registry = new Registry();
  private definitions: Definitions | undefined;
  private intervalsText = renderExpectedIntervals(new Map());
  private monitor: RedisClient | undefined;
  private queueCounts: QueueCountsReader | undefined;
  private workerStates: () => WorkerStates = () => ({ busy: 0, idle: 0, blocked: 0 });
  private synced = false;
  /** Redis lost its data and the schedules are not re-synced yet. */
  private dataLost = false;
  private readonly runMetrics: RunMetrics;
  private readonly label: (name: string) => string;

  constructor(private readonly options: DaemonMetricsOptions) {
    collectProcessMetrics(this.registry);
    const runs = new RunMetrics();
    this.runMetrics = runs;
    const isKnownJob = (name: string) => this.definitions?.jobs.has(name) ?? false;
    recordEvents(options.bus, {
      runs,
      restarts: createRestartsCounter(this.registry),
      kills: createKillsCounter(this.registry),
      isKnownJob,
    });
    this.label = (name) => (isKnownJob(name) ? name : UNKNOWN_JOB_LABEL);
    options.bus.on('schedule:synced', () => {
      this.synced = true;
      this.dataLost = false;
    });
    options.bus.on('redis:data-lost', (e) => {
      if (!e.resync) return; // a --no-scheduler daemon's readiness never waited on a sync
      this.synced = false;
      this.dataLost = true;
    });
    createWorkersGauge(this.registry, () => this.workerStates());
    createRedisUpGauge(this.registry, () => this.redisUp());
    createQueueGauges(this.registry, async () => this.queueCounts?.read());
    createEnabledGauge(this.registry, () => this.readEnabled());
  }

  /** A forked worker's runs (the daemon runs no job itself). */
  recordRelayed(tally: TallyData): void {
    applyTally(tally, this.runMetrics, this.label);
  }

  /** On start and on each reload: the jobs, queues and intervals to report. */
  setDefinitions(definitions: Definitions): void {
    this.definitions = definitions;
    this.intervalsText = renderExpectedIntervals(expectedIntervals(definitions.jobs.values()));
    this.runMetrics.initialize(definitions.jobs.values());
  }

  /** The daemon's monitor connection: RedisClient health and the queue counts. */
  attachRedis(monitor: RedisClient): void {
    this.monitor = monitor;
    this.queueCounts = new QueueCountsReader(monitor, this.options.prefix, () => this.queues());
  }

  attachPool(states: () => WorkerStates): void {
    this.workerStates = states;
  }

  redisUp(): boolean {
    return this.monitor?.status === 'ready';
  }

  notReadyReasons(): string[] {
    const reasons: string[] = [];
    if (!this.redisUp()) reasons.push('Redis is not reachable');
    if (this.options.scheduler && !this.synced) {
      reasons.push(
        this.dataLost
          ? 'Redis lost its data: re-syncing schedules'
          : 'schedules are not synced yet',
      );
    }
    return reasons;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    const body = (await this.registry.metrics()) + this.runMetrics.render() + this.intervalsText;
    return { contentType: this.registry.contentType, body };
  }

  /**
   * Each defined job's switch, the file's and the operator's: one HGETALL a scrape, on the
   * monitor connection (which fails at once while Redis is away). Jobs only the switch
   * hash names (removed from the file) are left out: labels stay bounded by the file.
   */
  private async readEnabled(): Promise<Map<string, boolean> | undefined> {
    const { definitions, monitor } = this;
    if (!definitions || !monitor) return undefined;
    let switches: Map<string, unknown>;
    try {
      switches = await readJobSwitches(monitor, this.options.prefix);
    } catch {
      return undefined;
    }
    return new Map(
      [...definitions.jobs.values()].map((job) => [
        job.name,
        job.enabled && !switches.has(job.name),
      ]),
    );
  }

  /** The queues the definitions name: bounded, unlike whatever queues Redis holds. */
  private queues(): string[] {
    const jobs = this.definitions ? [...this.definitions.jobs.values()] : [];
    return [...new Set(jobs.map((job) => job.queue))].sort();
  }
}
