import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisTarget } from '../config/settings.js';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import { readHeartbeats, type ProcessBeat } from '../heartbeat/heartbeat.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import { redisNow } from '../redis/clock.js';
import type { RedisClient } from '../redis/connection.js';
import { META, metaKey } from '../redis/keys.js';
import { repeatOptions, runOptions, scheduleFingerprint, type Retention } from './job-options.js';
import { SyncedDefinitions, type StoredDefinition } from './stored.js';
import { releaseLock, tryLock } from './sync-lock.js';
import { hostQueueName, hostQueuesKey, hostSchedulerId, splitHostQueue } from './host-queues.js';

export interface HostScheduleChanges {
  upserted: string[];
  removed: string[];
}

export interface HostSchedulesOptions {
  client: RedisClient;
  target: RedisTarget;
  prefix: string;
  retention: Retention;
  /** This daemon's current definitions (they change on reload). */
  definitions: () => Definitions | undefined;
}

/**
 * Keeps one scheduler per `runOn: all` job and live host, in that host's own queue.
 *
 * A host is live while a process on it (a worker, or a daemon that runs workers) beats
 * with the host's own queue among its queues (heartbeat.ts: a process killed outright
 * drops out within HEARTBEAT_TTL_MS). What to schedule comes
 * from the definitions as last synced to Redis, not from this daemon's file, so daemons
 * still on an older file agree with the others on what exists; a scheduler is only
 * (re)written by a daemon whose own definition matches the synced digest. Runs under the
 * sync lock, so one daemon at a time writes schedulers.
 */
export async function reconcileHostSchedules(
  options: HostSchedulesOptions,
  queues: LazyQueues,
  synced: SyncedDefinitions = new SyncedDefinitions(runsOnAll),
): Promise<HostScheduleChanges | undefined> {
  const { client, prefix } = options;
  const lockKey = metaKey(prefix, META.syncLock);
  const token = randomUUID();
  if (!(await tryLock(client, lockKey, token))) return undefined; // another daemon is at it
  try {
    const stored = await synced.read(client, prefix);
    const beats = await readHeartbeats(client, prefix);
    const live = liveHostsOf(beats);
    const roles = rolesByHost(beats);
    // hostQueue → (scheduler id → synced definition)
    const wanted = new Map<string, Map<string, StoredDefinition>>();
    // Role jobs no live host can run: a placeholder scheduler in the shared queue.
    const placeholders = new Map<string, StoredDefinition>();
    for (const job of stored.values()) {
      if (job.runOn !== 'all' || !job.enabled || !job.fingerprint) continue;
      const jobRoles = job.roles ?? [];
      const hosts = [...(live.get(job.queue) ?? [])].filter(
        (host) => jobRoles.length === 0 || jobRoles.some((role) => roles.get(host)?.has(role)),
      );
      if (jobRoles.length > 0 && hosts.length === 0) placeholders.set(job.name, job);
      for (const host of hosts) {
        const queue = hostQueueName(job.queue, host);
        const ids = wanted.get(queue) ?? new Map<string, StoredDefinition>();
        ids.set(hostSchedulerId(job.name, host), job);
        wanted.set(queue, ids);
      }
    }
    const digestsKey = metaKey(prefix, META.hostSchedules);
    const digests = await client.hgetall(digestsKey);
    const changes: HostScheduleChanges = { upserted: [], removed: [] };
    const known = await client.smembers(hostQueuesKey(prefix));

    for (const queueName of new Set([...known, ...wanted.keys()])) {
      const queue = await queues.get(queueName);
      const ids = wanted.get(queueName) ?? new Map<string, StoredDefinition>();
      const existing = new Set(
        (await queue.getJobSchedulers(0, -1)).map((scheduler) => scheduler.id ?? scheduler.key),
      );
      for (const id of existing) {
        if (ids.has(id)) continue;
        await queue.removeJobScheduler(id);
        await client.hdel(digestsKey, `${queueName} ${id}`);
        changes.removed.push(`${queueName} ${id}`);
      }
      for (const [id, job] of ids) {
        const field = `${queueName} ${id}`;
        if (existing.has(id) && digests[field] === job.fingerprint) continue;
        const local = options.definitions()?.jobs.get(job.name);
        if (!local || scheduleFingerprint(local, options.retention) !== job.fingerprint) continue;
        await client.sadd(hostQueuesKey(prefix), queueName);
        await upsertHostScheduler(queue, id, local, options.retention, await redisNow(client));
        await client.hset(digestsKey, field, job.fingerprint as string);
        changes.upserted.push(field);
      }
      if (ids.size === 0 && splitHostQueue(queueName).host !== undefined) {
        await client.srem(hostQueuesKey(prefix), queueName); // nothing left to clean there
      }
    }
    await reconcilePlaceholders(options, stored, placeholders, queues, digests, changes);
    return changes;
  } finally {
    await releaseLock(client, lockKey, token);
  }
}

/**
 * Cron ticks are the same instants on every host. An interval is aligned to whole
 * multiples of it (after `delay`), so a host that joins later fires with the others
 * rather than at its own join time.
 */
async function upsertHostScheduler(
  queue: Queue,
  id: string,
  job: JobDefinition,
  retention: Retention,
  now: number,
): Promise<void> {
  const schedule = job.schedule;
  const repeat =
    schedule.kind === 'every'
      ? {
          every: schedule.everyMs,
          startDate: Math.ceil((now + schedule.delayMs) / schedule.everyMs) * schedule.everyMs,
        }
      : (repeatOptions(job, now) ?? {});
  await queue.upsertJobScheduler(id, repeat, {
    name: job.name,
    data: job.data,
    opts: runOptions(job, retention),
  });
}

/**
 * The shared-queue scheduler of each `runOn: all` job with roles that no live host has
 * (sync.ts `hasRolePlaceholder`): any worker takes its ticks and records them skipped
 * (worker/role-guard.ts). Removed as soon as a host with a role is live, whose own
 * scheduler takes over.
 */
async function reconcilePlaceholders(
  options: HostSchedulesOptions,
  stored: Map<string, StoredDefinition>,
  placeholders: Map<string, StoredDefinition>,
  queues: LazyQueues,
  digests: Record<string, string>,
  changes: HostScheduleChanges,
): Promise<void> {
  const { client, prefix } = options;
  const digestsKey = metaKey(prefix, META.hostSchedules);
  for (const job of stored.values()) {
    if (job.runOn !== 'all' || (job.roles ?? []).length === 0) continue;
    const queue = await queues.get(job.queue);
    const field = `${job.queue} ${job.name}`;
    const exists = Boolean(await queue.getJobScheduler(job.name));
    if (!placeholders.has(job.name)) {
      if (!exists) continue;
      await queue.removeJobScheduler(job.name);
      await client.hdel(digestsKey, field);
      changes.removed.push(field);
      continue;
    }
    if (exists && digests[field] === job.fingerprint) continue;
    const local = options.definitions()?.jobs.get(job.name);
    if (!local || scheduleFingerprint(local, options.retention) !== job.fingerprint) continue;
    await upsertHostScheduler(queue, job.name, local, options.retention, await redisNow(client));
    await client.hset(digestsKey, field, job.fingerprint as string);
    changes.upserted.push(field);
  }
}

/** The synced definitions these schedules are made from (the others are not kept). */
export function runsOnAll(job: StoredDefinition): boolean {
  return job.runOn === 'all';
}

/** Host → the roles its processes' heartbeats name. */
function rolesByHost(beats: readonly ProcessBeat[]): Map<string, Set<string>> {
  const roles = new Map<string, Set<string>>();
  for (const beat of beats) {
    const has = roles.get(beat.host) ?? new Set<string>();
    for (const role of beat.roles ?? []) has.add(role);
    roles.set(beat.host, has);
  }
  return roles;
}

/**
 * Base queue → hosts with a live worker consuming that host's own queue of it, or a live
 * daemon whose workers will (see daemon.ts).
 */
function liveHostsOf(beats: readonly ProcessBeat[]): Map<string, Set<string>> {
  const live = new Map<string, Set<string>>();
  for (const beat of beats) {
    for (const queue of beat.queues) {
      const { base, host } = splitHostQueue(queue);
      if (host !== beat.host) continue;
      const hosts = live.get(base) ?? new Set<string>();
      hosts.add(host);
      live.set(base, hosts);
    }
  }
  return live;
}
