import type { RedisClient } from './connection.js';

/**
 * The Redis server's clock, in ms. Hosts' clocks differ by seconds; decisions that several
 * hosts must make alike (is this tick stale, where does a pause begin, when does an
 * interval schedule start) read this one clock instead of their own.
 */
export async function redisNow(client: RedisClient): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
