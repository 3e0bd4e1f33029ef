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
  /** `all`: per-host schedulers (host-schedules.ts) instead of one shared one. */
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

export function definitionsVersionKey(prefix: string): string {
  return metaKey(prefix, META.definitionsVersion);
}

/**
 * The synced definitions that `keep` selects, read again only after a sync has written
 * them: the per-host schedules are reconciled every 5 s, and parsing 10,000 records each
 * time cost the daemon CPU and kept its memory from settling. Without a version (a sync
 * by an older daemon, or Redis emptied) they are read every time.
 */
export class SyncedDefinitions {
  private version: string | undefined;
  private kept = new Map<string, StoredDefinition>();

  constructor(private readonly keep: (definition: StoredDefinition) => boolean) {}

  async read(client: RedisClient, prefix: string): Promise<Map<string, StoredDefinition>> {
    const version = await client.get(definitionsVersionKey(prefix));
    if (version !== null && version === this.version) return this.kept;
    const all = await readStored(client, prefix);
    this.kept = new Map([...all].filter(([, definition]) => this.keep(definition)));
    this.version = version ?? undefined;
    return this.kept;
  }
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
