import type { RedisClient } from './connection.js';

/** Free, or held by this very holder already: (re)take it with a fresh TTL. Else leave it. */
const TAKE_SCRIPT = `
local holder = redis.call('get', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/**
 * A key whose value names its holder, with a TTL: taken when free or already ours (a
 * retry, a recovered run), refused when someone else holds it. One round trip, atomic.
 */
export async function takeHeldKey(
  client: RedisClient,
  key: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  return (await client.eval(TAKE_SCRIPT, 1, key, holder, ttlMs)) === 1;
}
