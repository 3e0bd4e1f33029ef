import type { RedisClient } from '../redis/connection.js';
import { Registry } from 'prom-client';
import { collectProcessMetrics } from './default-metrics.js';
import type { Settings } from '../config/settings.js';
import type { Definitions } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import { createRedisUpGauge, createWorkersGauge } from './gauges.js';
import { RunMetrics } from './run-metrics.js';
import { openMonitorConnection } from '../redis/connection.js';
import { MetricsEndpoint, MetricsRoutes, type MetricsSource } from './server.js';
import { recordEvents } from './subscribe.js';

/**
 * What `jobs work --metrics-addr` serves when it runs on its own (under Supervisor or
 * systemd, not forked by a daemon): its own runs, itself as one busy or idle worker,
 * and its Redis connection. Queue gauges are left to a daemon (`jobs start --workers 0`
 * serves them), so that they are not reported once per worker process.
 */
export class WorkerMetrics implements MetricsSource {
  readonly registry = new Registry();
  private readonly runMetrics = new RunMetrics();
  private monitor: RedisClient | undefined;

  constructor(options: { bus: JobsEventBus; definitions: Definitions; activeJobs: () => number }) {
    const { bus, definitions, activeJobs } = options;
    collectProcessMetrics(this.registry);
    const runs = this.runMetrics;
    runs.initialize(definitions.jobs.values());
    recordEvents(bus, { runs, isKnownJob: (name) => definitions.jobs.has(name) });
    createWorkersGauge(this.registry, () =>
      activeJobs() > 0 ? { busy: 1, idle: 0, blocked: 0 } : { busy: 0, idle: 1, blocked: 0 },
    );
    createRedisUpGauge(this.registry, () => this.redisUp());
  }

  attachRedis(monitor: RedisClient): void {
    this.monitor = monitor;
  }

  redisUp(): boolean {
    return this.monitor?.status === 'ready';
  }

  notReadyReasons(): string[] {
    return this.redisUp() ? [] : ['Redis is not reachable'];
  }

  async render(): Promise<{ contentType: string; body: string }> {
    const body = (await this.registry.metrics()) + this.runMetrics.render();
    return { contentType: this.registry.contentType, body };
  }
}

/** Serves a lone worker's metrics until the returned stop() is called. */
export async function serveWorkerMetrics(options: {
  settings: Readonly<Settings>;
  bus: JobsEventBus;
  definitions: Definitions;
  activeJobs: () => number;
}): Promise<() => Promise<void>> {
  const { settings, bus } = options;
  const metrics = new WorkerMetrics(options);
  const routes = new MetricsRoutes({ token: settings.metricsToken, source: metrics });
  const server = new MetricsEndpoint(settings.metricsAddr, (request, response) =>
    routes.serve(request, response),
  );
  const { host, port } = await server.start();
  bus.emit('metrics:listening', { url: `http://${host}:${port}` });
  const monitor = openMonitorConnection(settings.redis);
  metrics.attachRedis(monitor);
  return async () => {
    await server.stop();
    monitor.disconnect();
  };
}
