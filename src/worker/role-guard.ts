import type { Job, JobsOptions } from 'bullmq';
import type { RedisTarget } from '../config/settings.js';
import type { JobDefinition } from '../definitions/types.js';
import { roleQueueName, splitHostQueue } from '../schedule/host-queues.js';
import {
  hostsWithRoles,
  noHostReason,
  readLiveRoles,
  type LiveRoles,
} from '../schedule/host-roles.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import type { RedisClient } from '../redis/connection.js';
import { parseTickJobId } from '../redis/keys.js';

/** What to do with a tick of a job with `roles`. */
export type RoleDecision =
  { action: 'run' } | { action: 'forward'; queue: string } | { action: 'skip'; reason: string };

/**
 * Heartbeats are read at most this often per worker process: a role host that just
 * died may still look live for this long plus the heartbeat TTL (its forwarded tick then
 * waits in the role queue for a host with the role).
 */
const LIVE_ROLES_TTL_MS = 2_000;

/**
 * `roles`: a `runOn: one` tick stays in the job's shared queue, so that BullMQ's scheduler,
 * whoever takes a tick, makes the next one as for any job. The worker that takes it runs
 * it when its host has one of the roles; else it hands it to the role queue
 * (`<queue>%<roles>`, consumed only by hosts with one of them) under the same job id, so a
 * tick forwarded twice (its worker died in between) is one job; and when no live host has
 * any of the roles it records the tick as skipped. `runOn: all` ticks come from per-host
 * schedulers that exist only for hosts with a role (schedule/host-schedules.ts); one that
 * arrives in the shared queue is the placeholder kept while no such host is live. Runs
 * enqueued by `enqueue()` go to the role queue directly; ones another BullMQ client put
 * in the shared queue are handed over like ticks.
 */
export class RoleGuard {
  private live: { at: number; roles: Promise<LiveRoles> } | undefined;
  private readonly queues: LazyQueues;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    target: RedisTarget,
    private readonly hostRoles: readonly string[],
  ) {
    this.queues = new LazyQueues(target, 'producer', prefix);
  }

  async decide(job: Job, definition: JobDefinition): Promise<RoleDecision> {
    const roles = definition.roles;
    if (roles.length === 0) return { action: 'run' };
    const { host, roles: queueRoles } = splitHostQueue(job.queueName);
    if (queueRoles) return { action: 'run' }; // only hosts with a role consume it
    const mine = roles.some((role) => this.hostRoles.includes(role));
    if (host !== undefined) {
      // A per-host scheduler made before this host's roles changed: reconciled away soon.
      return mine
        ? { action: 'run' }
        : { action: 'skip', reason: `host ${host} has none of the roles ${roles.join(', ')}` };
    }
    // A `runOn: all` tick in the shared queue is the placeholder's; a run enqueued there
    // by another BullMQ client is an on-demand run, handled as `runOn: one`.
    const placeholder = definition.runOn === 'all' && isTick(job);
    if (!placeholder && mine) return { action: 'run' };
    const served = hostsWithRoles(await this.liveRoles(), roles);
    if (served.length === 0) return { action: 'skip', reason: noHostReason(roles) };
    if (placeholder) {
      return {
        action: 'skip',
        reason: `the per-host schedules of ${served.join(', ')} were not set up yet`,
      };
    }
    return { action: 'forward', queue: roleQueueName(definition.queue, roles) };
  }

  /**
   * The run, as a plain job of the role queue with the same run options and an id derived
   * from its own: a tick keeps its id (its time is read from it), any other run gets
   * `fwd-<id>` (BullMQ refuses numeric custom ids).
   */
  async forward(job: Job, queueName: string): Promise<void> {
    const { attempts, backoff, removeOnComplete, removeOnFail } = job.opts;
    const jobId = isTick(job) ? job.id : `fwd-${(job.id ?? '').replaceAll(':', '-')}`;
    const opts: JobsOptions = { jobId, attempts, backoff, removeOnComplete, removeOnFail };
    await (await this.queues.get(queueName)).add(job.name, job.data, opts);
  }

  /** Idempotent. */
  async stop(): Promise<void> {
    await this.queues.closeAll();
  }

  private liveRoles(): Promise<LiveRoles> {
    const now = Date.now();
    if (!this.live || now - this.live.at > LIVE_ROLES_TTL_MS) {
      const roles = readLiveRoles(this.client, this.prefix);
      roles.catch(() => (this.live = undefined));
      this.live = { at: now, roles };
    }
    return this.live.roles;
  }
}

function isTick(job: Job): boolean {
  return job.id !== undefined && parseTickJobId(job.id) !== undefined;
}
