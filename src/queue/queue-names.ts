import { listHostQueues } from '../schedule/host-queues.js';
import type { RedisClient } from '../redis/connection.js';
import type { StoredDefinition } from '../schedule/stored.js';

/**
 * The queues named, or every queue the synced definitions use, each with the per-host
 * and per-role queues of its jobs (`default@web-1`, `default%reports`): what the listings
 * and the actions on "every queue" go over (the CLI's --queue, the admin page).
 */
export async function queueNamesOf(
  client: RedisClient,
  prefix: string,
  stored: ReadonlyMap<string, StoredDefinition>,
  only: readonly string[] = [],
): Promise<string[]> {
  const synced = new Set([...stored.values()].map((job) => job.queue));
  const names = only.length > 0 ? new Set(only) : synced.size > 0 ? synced : new Set(['default']);
  const hostQueues = await listHostQueues(client, prefix, names);
  return [...[...names].sort(), ...hostQueues];
}
