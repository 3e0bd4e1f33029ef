import { existsSync } from 'node:fs';
import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from '../errors.js';
import type { RedisTarget, Settings } from '../config/settings.js';
import { describeRedisError } from './describe-error.js';

/**
 * Connection options for the kinds of client BullMQ distinguishes: consumers block on
 * Redis and must retry forever (`maxRetriesPerRequest: null`); producers and one-shot
 * commands fail fast so a CLI call never hangs on a dead server. A monitor (health and
 * metrics) reconnects forever like a consumer but fails each command at once while Redis
 * is away, so a scrape or a readiness probe never waits on it.
 */
export type ConnectionRole = 'worker' | 'producer' | 'monitor';

/** A connection to a single server (URL, socket, Sentinel-found master) or to a Cluster. */
export type RedisClient = Redis | Cluster;

const RETRY_CAP_MS = 5_000;

export function connectionOptions(target: RedisTarget, role: ConnectionRole): RedisOptions {
  const base = baseOptions(target);
  if (role === 'worker') {
    return {
      ...base,
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      // Back off up to 5s between reconnects, forever: a daemon outlives a Redis restart.
      retryStrategy: (times) => Math.min(times * 200, RETRY_CAP_MS),
    };
  }
  if (role === 'monitor') {
    return {
      ...base,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 200, RETRY_CAP_MS),
    };
  }
  return {
    ...base,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5_000,
    retryStrategy: (times) => (times > 2 ? null : 200),
  };
}

function baseOptions(target: RedisTarget): RedisOptions {
  if (target.url) return urlOptions(target.url);
  if (target.socket) return { path: target.socket };
  const auth: RedisOptions = {
    username: target.username,
    password: target.password,
    tls: target.tls ? {} : undefined,
  };
  if (target.sentinels) {
    return {
      ...auth,
      sentinels: target.sentinels,
      name: target.sentinelMaster,
      sentinelPassword: target.password,
      sentinelTLS: target.tls ? {} : undefined,
      enableTLSForSentinelMode: target.tls,
    };
  }
  return auth; // Cluster: each node's options; the nodes come from openRedis
}

/**
 * Opens a client of the given role: a Cluster when REDIS_CLUSTER_NODES is set (its
 * offline queue and retries live on the Cluster, the rest on each node), else a Redis.
 */
export function openRedis(
  target: RedisTarget,
  role: ConnectionRole,
  extra: { lazyConnect?: boolean } = {},
): RedisClient {
  const options = connectionOptions(target, role);
  if (!target.cluster) return new Redis({ ...options, ...extra });
  const clusterOptions: ClusterOptions = {
    ...extra,
    redisOptions: options,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    enableReadyCheck: true,
    // A failover or resharding answers MOVED/CLUSTERDOWN for a moment: retry, then give up.
    retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
    clusterRetryStrategy: (times) =>
      role === 'producer' && times > 2 ? null : Math.min(times * 200, RETRY_CAP_MS),
  };
  return new Cluster(target.cluster, clusterOptions);
}

const CLUSTER_RETRY_DELAY_MS = 200;

function urlOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Where the commands will look for Redis, in words, for error messages. */
export function describeTarget(target: RedisTarget): string {
  const list = (nodes: { host: string; port: number }[]) =>
    nodes.map((node) => `${node.host}:${node.port}`).join(',');
  if (target.cluster) return `the Redis Cluster at ${list(target.cluster)}`;
  if (target.sentinels)
    return `master '${target.sentinelMaster}' of the Sentinels at ${list(target.sentinels)}`;
  if (target.url) {
    const parsed = new URL(target.url);
    return `${parsed.protocol}//${parsed.host}`;
  }
  return `the embedded redis-server at ${target.socket}`;
}

/**
 * With no REDIS_URL, every command but `jobs start` uses the embedded server's socket:
 * when no embedded server runs here, RedisUnavailableError (exit 69) naming both ways
 * out, before a connection is tried and fails with a bare ENOENT.
 */
export function refuseWithoutRedis(target: RedisTarget): void {
  if (!target.url && target.socket && !existsSync(target.socket)) {
    throw new RedisUnavailableError(
      `no Redis: REDIS_URL is not set and no embedded redis-server runs here (${target.socket}); set REDIS_URL or run \`jobs start\` in this directory`,
    );
  }
}

/**
 * Opens a producer-style connection and waits until it is ready, or throws
 * RedisUnavailableError (exit 69) with a sentence that says what to do.
 */
export async function connectProducer(settings: Settings): Promise<RedisClient> {
  refuseWithoutRedis(settings.redis);
  const client = openRedis(settings.redis, 'producer', { lazyConnect: true });
  // connect() rejects with a bare "Connection is closed."; the cause (WRONGPASS, NOAUTH,
  // ECONNREFUSED) arrives here first.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause = error));
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    cause ??= error as Error;
    throw new RedisUnavailableError(describeRedisError(cause, settings.redis), { cause });
  }
}

/**
 * The same options typed for BullMQ, which creates (and closes) its own connections
 * from them. Its option type is a loose copy of ioredis's, hence the cast. BullMQ cannot
 * make a Cluster from options: on a Cluster this is a client, which BullMQ duplicates for
 * its blocking connection but does not close; open queues and consumers with
 * openQueue/openConsumer (redis/bull.ts), which close it with them.
 */
export function bullConnection(target: RedisTarget, role: ConnectionRole): ConnectionOptions {
  if (target.cluster) return openRedis(target, role, { lazyConnect: true }) as Cluster;
  return connectionOptions(target, role) as ConnectionOptions;
}

/**
 * A small connection for health and metrics: reconnects forever in the background and
 * fails commands at once while Redis is away. Its status is what /readyz and
 * jobs_redis_up report.
 */
export function openMonitorConnection(target: RedisTarget): RedisClient {
  const client = openRedis(target, 'monitor');
  client.on('error', () => undefined); // the daemon's main connection logs outages
  return client;
}
