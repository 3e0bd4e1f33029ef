import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisTarget } from '../config/settings.js';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import { openQueue } from '../redis/bull.js';
import type { RedisClient } from '../redis/connection.js';
import { redisNow } from '../redis/clock.js';
import { META, metaKey } from '../redis/keys.js';
import { hostQueuesKey, roleQueueName } from '../hosts/host-queues.js';
import { acquireLock, releaseLock } from './sync-lock.js';
import {
  describeHandler,
  parseStored,
  storedDefinitionsKey,
  type StoredDefinition,
} from './stored.js';
import { repeatOptions, runOptions, scheduleFingerprint, type Retention } from './job-options.js';

export interface SyncResult {
  upserted: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * Makes Redis match the definitions file: upserts new and changed schedulers, deletes the
 * ones whose job was removed or disabled, leaves unchanged ones alone. Daemons sync one at
 * a time under a lock, so several starting at once on the same file upsert each scheduler
 * once (concurrent upserts of one scheduler are how doubled ticks happen).
 */
export async function syncSchedules(options: {
  client: RedisClient;
  target: RedisTarget;
  prefix: string;
  definitions: Definitions;
  retention: Retention;
  /** Ends the wait for the sync lock (a stop during start-up). */
  signal?: AbortSignal;
}): Promise<SyncResult> {
  const { client, prefix, definitions, retention } = options;
  const lockKey = metaKey(prefix, META.syncLock);
  const token = randomUUID();
  await acquireLock(client, lockKey, token, options.signal);
  const queues = new Map<string, Queue>();
  const queueFor = (name: string): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = openQueue(name, options.target, 'producer', { prefix });
      queues.set(name, queue);
    }
    return queue;
  };
  try {
    const definitionsKey = storedDefinitionsKey(prefix);
    const stored = parseStored(await client.hgetall(definitionsKey));
    const result: SyncResult = { upserted: [], removed: [], unchanged: [] };
    // `runOn: all` jobs have no shared scheduler: each live host gets its own.
    const wanted = new Map<string, JobDefinition>();
    for (const job of definitions.jobs.values()) {
      if (isScheduled(job) && job.runOn === 'one') wanted.set(job.name, job);
    }
    // One clock for every host: a delayed `every` starts at the same moment whoever syncs.
    const now = await redisNow(client);

    for (const job of wanted.values()) {
      const fingerprint = scheduleFingerprint(job, retention);
      const before = stored.get(job.name);
      const queue = queueFor(job.queue);
      if (before?.fingerprint === fingerprint && (await queue.getJobScheduler(job.name))) {
        result.unchanged.push(job.name);
        continue;
      }
      if (before && before.queue !== job.queue) {
        await queueFor(before.queue).removeJobScheduler(job.name);
      }
      await queue.upsertJobScheduler(job.name, repeatOptions(job, now) ?? {}, {
        name: job.name,
        data: job.data,
        opts: runOptions(job, retention),
      });
      result.upserted.push(job.name);
    }

    // Every queue either side knows of: a scheduler with no wanted job behind it is an orphan.
    const queueNames = new Set([
      ...[...definitions.jobs.values()].map((job) => job.queue),
      ...[...stored.values()].map((s) => s.queue),
    ]);
    for (const queueName of queueNames) {
      const queue = queueFor(queueName);
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        const id = scheduler.id ?? scheduler.key;
        if (wanted.get(id)?.queue === queueName) continue;
        const job = definitions.jobs.get(id);
        if (job && hasRolePlaceholder(job) && job.queue === queueName) continue;
        await queue.removeJobScheduler(id);
        result.removed.push(id);
      }
    }

    // Role queues are listed with the host queues, so that pause, pending and status see them.
    const roleQueues = [...definitions.jobs.values()]
      .filter((job) => job.enabled && job.roles.length > 0)
      .map((job) => roleQueueName(job.queue, job.roles));
    if (roleQueues.length > 0) await client.sadd(hostQueuesKey(prefix), ...roleQueues);

    const records = [...definitions.jobs.values()].map((job) =>
      toStored(job, isScheduled(job) ? scheduleFingerprint(job, retention) : null, now),
    );
    const multi = client.multi().del(definitionsKey);
    if (records.length > 0) {
      multi.hset(
        definitionsKey,
        Object.fromEntries(records.map((record) => [record.name, JSON.stringify(record)])),
      );
    }
    await multi.exec();
    return result;
  } finally {
    await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
    await releaseLock(client, lockKey, token);
  }
}

function toStored(
  job: JobDefinition,
  fingerprint: string | null,
  syncedAt: number,
): StoredDefinition {
  return {
    name: job.name,
    description: job.description,
    queue: job.queue,
    schedule: job.schedule.kind === 'cron' ? job.schedule.expression : null,
    every: job.schedule.kind === 'every' ? job.schedule.everyMs : null,
    timezone: job.timezone,
    enabled: job.enabled,
    runOn: job.runOn,
    roles: [...job.roles],
    handler: describeHandler(job.handler),
    fingerprint,
    syncedAt,
  };
}

function isScheduled(job: JobDefinition): boolean {
  return job.enabled && job.schedule.kind !== 'none';
}

/**
 * A `runOn: all` job with roles has a scheduler of its own name in its shared queue while
 * no live host has one of its roles, so its ticks are recorded as skipped: the host
 * schedule keeper (hosts/host-schedules.ts) adds and removes it, and sync leaves it be.
 */
export function hasRolePlaceholder(job: JobDefinition): boolean {
  return isScheduled(job) && job.runOn === 'all' && job.roles.length > 0;
}
