import { existsSync } from 'node:fs';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from '../errors.js';
import type { RedisTarget, Settings } from '../config/settings.js';

/**
 * Connection options for the kinds of client BullMQ distinguishes: workers block on
 * Redis and must retry forever (`maxRetriesPerRequest: null`); producers and one-shot
 * commands fail fast so a CLI call never hangs on a dead server. A monitor (health and
 * metrics) reconnects forever like a worker but fails each command at once while Redis
 * is away, so a scrape or a readiness probe never waits on it.
 */
export type ConnectionRole = 'worker' | 'producer' | 'monitor';

const RETRY_CAP_MS = 5_000;

export function connectionOptions(target: RedisTarget, role: ConnectionRole): RedisOptions {
  const base: RedisOptions = target.url ? urlOptions(target.url) : { path: target.socket };
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
  if (target.url) {
    const parsed = new URL(target.url);
    return `${parsed.protocol}//${parsed.host}`;
  }
  return `the embedded redis-server at ${target.socket}`;
}

/**
 * Opens a producer-style connection and waits until it is ready, or throws
 * RedisUnavailableError (exit 69) with a sentence that says what to do.
 */
export async function connectProducer(settings: Settings): Promise<Redis> {
  if (!settings.redis.url && settings.redis.socket && !existsSync(settings.redis.socket)) {
    throw new RedisUnavailableError(
      `no Redis: REDIS_URL is not set and no embedded redis-server runs here (${settings.redis.socket}); set REDIS_URL or run \`jobs start\` in this directory`,
    );
  }
  const client = new Redis({ ...connectionOptions(settings.redis, 'producer'), lazyConnect: true });
  client.on('error', () => undefined); // reported through connect() below
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    throw new RedisUnavailableError(
      `cannot reach Redis at ${describeTarget(settings.redis)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The same options typed for BullMQ, which creates (and closes) its own connections
 * from them. Its option type is a loose copy of ioredis's, hence the cast.
 */
export function bullConnection(target: RedisTarget, role: ConnectionRole): ConnectionOptions {
  return connectionOptions(target, role) as ConnectionOptions;
}

/**
 * A small connection for health and metrics: reconnects forever in the background and
 * fails commands at once while Redis is away. Its status is what /readyz and
 * jobs_redis_up report.
 */
export function openMonitorConnection(target: RedisTarget): Redis {
  const client = new Redis(connectionOptions(target, 'monitor'));
  client.on('error', () => undefined); // the daemon's main connection logs outages
  return client;
}
