import { readHeartbeats, type ProcessBeat } from '../heartbeat/heartbeat.js';
import type { RedisClient } from '../redis/connection.js';
import type { StoredDefinition } from './stored.js';

/**
 * Which live host has which roles (JOBS_HOST_ROLES), from the heartbeats of worker
 * processes and of daemons that run workers (so a host counts from its start): a host
 * runs a role's jobs only while it has workers to take them (a daemon with --workers 0
 * has the role in name only). A host killed outright drops out with its heartbeats' TTL.
 */
export type LiveRoles = Map<string, Set<string>>;

export async function readLiveRoles(client: RedisClient, prefix: string): Promise<LiveRoles> {
  return liveRolesOf(await readHeartbeats(client, prefix));
}

export function liveRolesOf(beats: readonly ProcessBeat[]): LiveRoles {
  const live: LiveRoles = new Map();
  for (const beat of beats) {
    const runsJobs = beat.role === 'worker' || (beat.workers?.length ?? 0) > 0;
    if (!runsJobs || beat.state === 'blocked') continue;
    const roles = live.get(beat.host) ?? new Set<string>();
    for (const role of beat.roles ?? []) roles.add(role);
    live.set(beat.host, roles);
  }
  return live;
}

/** The live hosts that have one of `roles`. */
export function hostsWithRoles(live: LiveRoles, roles: readonly string[]): string[] {
  return [...live]
    .filter(([, has]) => roles.some((role) => has.has(role)))
    .map(([host]) => host)
    .sort();
}

/** Why a job with these roles has nowhere to run, in the words of `jobs list` and history. */
export function noHostReason(roles: readonly string[]): string {
  return roles.length === 1
    ? `no live host has role ${roles[0]}`
    : `no live host has any of the roles ${roles.join(', ')}`;
}

/** Why no live host can run this job's ticks (`jobs list`, `jobs status`), or null. */
export function unservedReason(definition: StoredDefinition, live: LiveRoles): string | null {
  const roles = definition.roles ?? [];
  if (roles.length === 0 || !definition.enabled) return null;
  return hostsWithRoles(live, roles).length === 0 ? noHostReason(roles) : null;
}
