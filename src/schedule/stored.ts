import type { Handler } from '../definitions/types.js';
import type { RedisClient } from '../redis/connection.js';
import { META, metaKey } from '../redis/keys.js';

/**
 * The definitions as the daemons synced them, one JSON record per job in a Redis hash:
 * what `jobs list` shows and what other hosts read. Kept apart from sync.ts so that the
 * CLI's listings can read it without loading BullMQ.
 */
export interface StoredDefinition {
  name: string;
  description: string;
  queue: string;
  schedule: string | null;
  every: number | null;
  timezone: string;
  enabled: boolean;
  /** `all`: per-host schedulers (hosts/host-schedules.ts) instead of one shared one. */
  runOn: 'one' | 'all';
  /** Only hosts with one of these roles run it (absent from records before roles). */
  roles?: string[];
  /** What it runs, in words: a command line or a module path (absent from records before it). */
  handler?: StoredHandler;
  /** Digest of the scheduled job as synced; null for on-demand and disabled jobs. */
  fingerprint: string | null;
  syncedAt: number;
}

export interface StoredHandler {
  kind: 'command' | 'module';
  /** The command as written (argv joined, quoted where needed) or the module as written. */
  text: string;
}

/** A handler as the listings show it. */
export function describeHandler(handler: Handler): StoredHandler {
  if (handler.kind === 'module') return { kind: 'module', text: handler.spec };
  const text = handler.shell
    ? (handler.argv[2] ?? '')
    : handler.argv
        .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg)))
        .join(' ');
  return { kind: 'command', text };
}

export function storedDefinitionsKey(prefix: string): string {
  return metaKey(prefix, META.definitions);
}

export async function readStored(
  client: RedisClient,
  prefix: string,
): Promise<Map<string, StoredDefinition>> {
  return parseStored(await client.hgetall(storedDefinitionsKey(prefix)));
}

export function parseStored(hash: Record<string, string>): Map<string, StoredDefinition> {
  const map = new Map<string, StoredDefinition>();
  for (const [name, json] of Object.entries(hash)) {
    try {
      map.set(name, JSON.parse(json) as StoredDefinition);
    } catch {
      // A record we cannot read is treated as absent and rewritten by the next sync.
    }
  }
  return map;
}
