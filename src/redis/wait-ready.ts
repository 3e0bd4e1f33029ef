import type { RedisTarget } from '../config/settings.js';
import type { JobsEventBus } from '../events.js';
import { LogThrottle } from '../logging/log-throttle.js';
import { describeTarget, openRedis, type RedisClient } from './connection.js';
import { describeRedisCause, describeRedisError } from './describe-error.js';

/**
 * Opens a long-lived client that reconnects forever with backoff, and resolves once it is
 * ready. Never exits or spins: a daemon started before its Redis simply waits for it,
 * reporting the failure once per interval, and once when it is back, naming the outage.
 */
export async function connectWhenReady(
  target: RedisTarget,
  bus: JobsEventBus,
): Promise<RedisClient> {
  const client = openRedis(target, 'worker', { lazyConnect: true });
  const where = describeTarget(target);
  const reports = new LogThrottle();
  let downSince: number | undefined;
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    downSince ??= Date.now();
    lastError = error;
    if (!reports.allow()) return;
    bus.emit('redis:error', { target: where, error: describeRedisError(error, target) });
  });
  // A closed socket that reconnects at once raises no 'error', but it was an outage too.
  client.on('close', () => (downSince ??= Date.now()));
  client.on('ready', () => {
    if (downSince === undefined) return;
    bus.emit('redis:reachable', {
      target: where,
      downMs: Date.now() - downSince,
      cause: lastError ? describeRedisCause(lastError, target) : 'connection closed',
    });
    // The next outage is a new one: its first failure is reported at once.
    downSince = undefined;
    lastError = undefined;
    reports.reset();
  });
  const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
  client.connect().catch(() => undefined); // failures go to 'error'; retryStrategy keeps trying
  await ready;
  return client;
}
