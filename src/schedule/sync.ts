import { randomUUID } from 'node:crypto';
import type { RedisTarget, Settings } from '../config/settings.js';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import type { JobsEventBus } from '../events.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import type { RedisClient } from '../redis/connection.js';
import { redisNow } from '../redis/clock.js';
import { META, metaKey } from '../redis/keys.js';
import { hostQueuesKey, roleQueueName } from './host-queues.js';
import { schedulersOf } from '../queue/schedulers.js';
import { acquireLock, releaseLock } from './sync-lock.js';
import {
  definitionsVersionKey,
  describeHandler,
  parseStored,
  storedDefinitionsKey,
  type StoredDefinition,
} from './stored.js';
import {
  repeatOptions,
  retentionOf,
  runOptions,
  scheduleFingerprint,
  type Retention,
} from './job-options.js';

export interface SyncResult {
  /** Schedulers that were not in Redis. */
  added: string[];
  /** Schedulers rewritten: their definition changed (or their queue). */
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * Scheduler writes in flight at once. Each is a BullMQ script call; sent one after the
 * other, 7,500 of them took 5.7 s of round trips. A hundred in flight share the trips and
 * keep the daemon's memory for pending calls small.
 */
const SYNC_CONCURRENCY = 100;

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
  const queues = new LazyQueues(options.target, 'producer', prefix);
  try {
    const definitionsKey = storedDefinitionsKey(prefix);
    const storedJson = await client.hgetall(definitionsKey);
    const stored = parseStored(storedJson);
    const result: SyncResult = { added: [], changed: [], removed: [], unchanged: [] };
    // Each scheduled job's digest, made once (a SHA-1 of its JSON: 10,000 add up).
    const fingerprints = new Map<string, string | null>();
    for (const job of definitions.jobs.values())
      fingerprints.set(job.name, isScheduled(job) ? scheduleFingerprint(job, retention) : null);
    // `runOn: all` jobs have no shared scheduler: each live host gets its own.
    const wanted = new Map<string, JobDefinition>();
    for (const job of definitions.jobs.values()) {
      if (isScheduled(job) && job.runOn === 'one') wanted.set(job.name, job);
    }
    // Every queue either side knows of: a scheduler with no wanted job behind it is an orphan.
    const queueNames = [
      ...new Set([
        ...[...definitions.jobs.values()].map((job) => job.queue),
        ...[...stored.values()].map((s) => s.queue),
      ]),
    ];
    const inRedis = new Map(
      await Promise.all(
        queueNames.map(async (name) => [name, await schedulersOf(client, prefix, name)] as const),
      ),
    );
    // One clock for every host: a delayed `every` starts at the same moment whoever syncs.
    const now = await redisNow(client);

    const writes: (() => Promise<unknown>)[] = [];
    const moved = new Set<string>();
    for (const job of wanted.values()) {
      const fingerprint = fingerprints.get(job.name) as string;
      const before = stored.get(job.name);
      const exists = inRedis.get(job.queue)?.has(job.name) ?? false;
      if (before?.fingerprint === fingerprint && exists) {
        result.unchanged.push(job.name);
        continue;
      }
      (before || exists ? result.changed : result.added).push(job.name);
      const from = before && before.queue !== job.queue ? before.queue : undefined;
      if (from) moved.add(`${from} ${job.name}`);
      writes.push(async () => {
        if (from) await (await queues.get(from)).removeJobScheduler(job.name);
        const queue = await queues.get(job.queue);
        await queue.upsertJobScheduler(job.name, repeatOptions(job, now) ?? {}, {
          name: job.name,
          data: job.data,
          opts: runOptions(job, retention),
        });
      });
    }
    for (const [queueName, schedulers] of inRedis) {
      for (const id of schedulers.keys()) {
        if (wanted.get(id)?.queue === queueName || moved.has(`${queueName} ${id}`)) continue;
        const job = definitions.jobs.get(id);
        if (job && hasRolePlaceholder(job) && job.queue === queueName) continue;
        result.removed.push(id);
        writes.push(async () => (await queues.get(queueName)).removeJobScheduler(id));
      }
    }
    await runLimited(writes, SYNC_CONCURRENCY);

    // Role queues are listed with the host queues, so that pause, pending and status see them.
    const roleQueues = [...definitions.jobs.values()]
      .filter((job) => job.enabled && job.roles.length > 0)
      .map((job) => roleQueueName(job.queue, job.roles));
    if (roleQueues.length > 0) await client.sadd(hostQueuesKey(prefix), ...roleQueues);

    await writeStored(client, prefix, definitions, fingerprints, storedJson, stored, now);
    return result;
  } finally {
    await queues.closeAll();
    await releaseLock(client, lockKey, token);
  }
}

/**
 * The sync as the daemon and `jobs run` do it: on the settings' Redis, prefix and
 * retention, reported on the bus as `schedule:synced` (the log line; /readyz waits for it).
 */
export async function syncAndReport(
  client: RedisClient,
  settings: Readonly<Settings>,
  definitions: Definitions,
  bus: JobsEventBus,
  signal?: AbortSignal,
): Promise<void> {
  const started = Date.now();
  const result = await syncSchedules({
    client,
    target: settings.redis,
    prefix: settings.prefix,
    definitions,
    retention: retentionOf(settings),
    signal,
  });
  bus.emit('schedule:synced', {
    ...result,
    jobs: definitions.jobs.size,
    durationMs: Date.now() - started,
  });
}

/**
 * Runs the tasks, at most `limit` at a time. After a failure no new one starts; the ones
 * under way are waited for (the lock is not released under them), then it is thrown.
 */
async function runLimited(
  tasks: readonly (() => Promise<unknown>)[],
  limit: number,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < tasks.length) {
      const task = tasks[next++] as () => Promise<unknown>;
      await task().catch((error: unknown) => (failure ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  if (failure) throw failure.error;
}

/**
 * Writes the records that changed and deletes those of jobs no longer in the file, then
 * a new version (stored.ts SyncedDefinitions), in one transaction. An unchanged record
 * keeps its syncedAt and is not written: rewriting 10,000 of them on every restart built
 * a 5 MB command. Nothing changed, nothing is written.
 */
async function writeStored(
  client: RedisClient,
  prefix: string,
  definitions: Definitions,
  fingerprints: ReadonlyMap<string, string | null>,
  storedJson: Record<string, string>,
  stored: Map<string, StoredDefinition>,
  now: number,
): Promise<void> {
  const changed: Record<string, string> = {};
  let count = 0;
  for (const job of definitions.jobs.values()) {
    const fingerprint = fingerprints.get(job.name) ?? null;
    const before = stored.get(job.name);
    const json = JSON.stringify(toStored(job, fingerprint, before?.syncedAt ?? now));
    if (before && json === storedJson[job.name]) continue;
    changed[job.name] =
      before && before.syncedAt !== now ? JSON.stringify(toStored(job, fingerprint, now)) : json;
    count++;
  }
  const gone = Object.keys(storedJson).filter((name) => !definitions.jobs.has(name));
  if (count === 0 && gone.length === 0) return;
  const key = storedDefinitionsKey(prefix);
  const multi = client.multi();
  if (count > 0) multi.hset(key, changed);
  if (gone.length > 0) multi.hdel(key, ...gone);
  await multi.set(definitionsVersionKey(prefix), randomUUID()).exec();
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
 * schedule keeper (host-schedules.ts) adds and removes it, and sync leaves it be.
 */
export function hasRolePlaceholder(job: JobDefinition): boolean {
  return isScheduled(job) && job.runOn === 'all' && job.roles.length > 0;
}
