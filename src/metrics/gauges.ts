import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueCounts } from './queue-counts.js';

/**
 * The gauges of SPEC §6 that are read when scraped rather than recorded as things
 * happen: each takes the function that knows the current value.
 */

export interface WorkerStates {
  busy: number;
  idle: number;
  /** Not answering: a handler blocks its event loop (daemon/liveness.ts). */
  blocked: number;
}

export const KILL_REASONS = Object.freeze(['blocked', 'stop-timeout'] as const);

export const RESTART_REASONS = Object.freeze([
  'restart',
  'crash',
  'max-jobs',
  'max-time',
  'max-memory',
] as const);

export function createWorkersGauge(registry: Registry, states: () => WorkerStates): void {
  new Gauge({
    name: 'jobs_workers',
    help: 'Live worker processes running a job (busy), waiting for one (idle), or not answering because a handler blocks their event loop (blocked).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = states();
      this.set({ state: 'busy' }, now.busy);
      this.set({ state: 'idle' }, now.idle);
      this.set({ state: 'blocked' }, now.blocked);
    },
  });
}

export function createRedisUpGauge(registry: Registry, up: () => boolean): void {
  new Gauge({
    name: 'jobs_redis_up',
    help: '1 when this process can reach Redis, 0 otherwise.',
    registers: [registry],
    collect() {
      this.set(up() ? 1 : 0);
    },
  });
}

export function createKillsCounter(registry: Registry): Counter<'reason'> {
  return reasonCounter(
    registry,
    'jobs_workers_killed_total',
    'Worker processes the daemon killed outright, by reason (blocked: a handler blocked the event loop past its timeout; stop-timeout: did not stop in time).',
    KILL_REASONS,
  );
}

export function createRestartsCounter(registry: Registry): Counter<'reason'> {
  return reasonCounter(
    registry,
    'jobs_worker_restarts_total',
    'Worker processes the daemon restarted, by reason.',
    RESTART_REASONS,
  );
}

/** A counter by reason, every known reason present from the start at 0. */
function reasonCounter(
  registry: Registry,
  name: string,
  help: string,
  reasons: readonly string[],
): Counter<'reason'> {
  const counter = new Counter({ name, help, labelNames: ['reason'], registers: [registry] });
  // Present from the start, so the first event is an increase and not a new series.
  for (const reason of reasons) counter.inc({ reason }, 0);
  return counter;
}

/**
 * jobs_pending, jobs_active and jobs_failed, read from Redis. While Redis cannot be
 * read they are left out rather than repeated stale: jobs_redis_up says why. Each gauge
 * awaits the same cached read (prom-client collects gauges concurrently).
 */
export function createQueueGauges(
  registry: Registry,
  read: () => Promise<QueueCounts[] | undefined>,
): void {
  const registers = [registry];
  new Gauge({
    name: 'jobs_pending',
    help: 'Jobs not started yet, by queue and state (waiting, delayed, prioritized, paused).',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      const all = await read();
      this.reset();
      for (const { queue, paused, waiting, delayed, prioritized } of all ?? []) {
        // A paused queue's waiting jobs are held on purpose: reported as paused, not waiting.
        this.set({ queue, state: 'waiting' }, paused ? 0 : waiting);
        this.set({ queue, state: 'paused' }, paused ? waiting : 0);
        this.set({ queue, state: 'delayed' }, delayed);
        this.set({ queue, state: 'prioritized' }, prioritized);
      }
    },
  });
  new Gauge({
    name: 'jobs_active',
    help: 'Jobs running now, by queue.',
    labelNames: ['queue'],
    registers,
    async collect() {
      const all = await read();
      this.reset();
      for (const counts of all ?? []) this.set({ queue: counts.queue }, counts.active);
    },
  });
  new Gauge({
    name: 'jobs_failed',
    help: 'Failed jobs kept in Redis now, by queue.',
    labelNames: ['queue'],
    registers,
    async collect() {
      const all = await read();
      this.reset();
      for (const counts of all ?? []) this.set({ queue: counts.queue }, counts.failed);
    },
  });
}

/**
 * jobs_enabled: 1 for a job that runs on its schedule, 0 for one disabled by the file
 * (`enabled: false`) or by an operator (`jobs disable`), read from Redis at each scrape.
 * While Redis cannot be read it is left out, as the queue gauges are.
 */
export function createEnabledGauge(
  registry: Registry,
  read: () => Promise<Map<string, boolean> | undefined>,
): void {
  new Gauge({
    name: 'jobs_enabled',
    help: 'Whether a job runs: 1 enabled, 0 disabled by its definition (enabled: false) or by an operator (jobs disable).',
    labelNames: ['job_name'],
    registers: [registry],
    async collect() {
      const enabled = await read();
      this.reset();
      for (const [name, on] of enabled ?? []) this.set({ job_name: name }, on ? 1 : 0);
    },
  });
}
