import type { RedisTarget } from '../config/settings.js';
import type { JobsEventBus } from '../events.js';
import { describeTarget, openRedis, type RedisClient } from './connection.js';

/** How often an unreachable Redis is reported while we keep retrying. */
export const REDIS_ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Opens a long-lived client that reconnects forever with backoff, and resolves once it is
 * ready. Never exits or spins: a daemon started before its Redis simply waits for it,
 * reporting the failure once per interval.
 */
export async function connectWhenReady(
  target: RedisTarget,
  bus: JobsEventBus,
): Promise<RedisClient> {
  const client = openRedis(target, 'worker', { lazyConnect: true });
  const where = describeTarget(target);
  let lastReport = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastReport < REDIS_ERROR_LOG_INTERVAL_MS) return;
    lastReport = now;
    bus.emit('redis:error', { target: where, error: error.message });
  });
  const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  client.connect().catch(() => undefined); // failures go to 'error'; retryStrategy keeps trying
  await ready;
  return client;
}
