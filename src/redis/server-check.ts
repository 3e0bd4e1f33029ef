import type { RedisClient } from './connection.js';

export const MIN_REDIS_VERSION = [6, 2, 0] as const;

export interface ServerCheck {
  version: string;
  evictionPolicy: string;
  /** Sentences to log loudly (at warn): the daemon still runs. */
  warnings: string[];
}

/** Redis ≥ 6.2 (BullMQ's scripts need it) and `noeviction` (evicting a job key loses the job). */
export async function checkServer(client: RedisClient): Promise<ServerCheck> {
  const info = await client.info('server');
  const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
  let evictionPolicy = 'unknown';
  try {
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
    evictionPolicy = reply[1] ?? 'unknown';
  } catch {
    // Managed services often forbid CONFIG; INFO memory carries the policy too.
    const memory = await client.info('memory');
    evictionPolicy = /maxmemory_policy:([^\r\n]+)/.exec(memory)?.[1] ?? 'unknown';
  }
  const warnings: string[] = [];
  if (compareVersions(version, MIN_REDIS_VERSION) < 0) {
    warnings.push(`Redis ${version} is older than 6.2, which BullMQ needs; upgrade the server`);
  }
  if (evictionPolicy !== 'noeviction') warnings.push(describeEvictionPolicy(evictionPolicy));
  return { version, evictionPolicy, warnings };
}

export function describeEvictionPolicy(policy: string): string {
  return `Redis maxmemory-policy is '${policy}', not 'noeviction': under memory pressure Redis may delete job keys and lose jobs; set maxmemory-policy noeviction`;
}

function compareVersions(version: string, minimum: readonly number[]): number {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < minimum.length; i++) {
    const diff = (parts[i] ?? 0) - (minimum[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
