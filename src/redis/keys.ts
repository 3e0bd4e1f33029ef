/**
 * Our own keys, beside BullMQ's, under the same prefix so that `{jobs}` hash tags keep
 * everything in one Redis Cluster slot.
 */
export function metaKey(prefix: string, name: string): string {
  return `${prefix}:meta:${name}`;
}

export const META = Object.freeze({
  /** hash: job name → JSON of the synced definition (what `jobs list` shows). */
  definitions: 'definitions',
  /** string: lock held while one daemon makes the schedules match the file. */
  syncLock: 'sync-lock',
});
