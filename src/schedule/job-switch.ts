import os from 'node:os';
import { JobDisabledError } from '../errors.js';
import { redisNow } from '../redis/clock.js';
import type { RedisClient } from '../redis/connection.js';
import { META, metaKey } from '../redis/keys.js';

/**
 * The operator's runtime switch (`jobs disable` / `jobs enable`, the page's toggle): one
 * Redis hash, job name → who disabled it, when and why, read by every host. It is not part
 * of the definitions: a sync rewrites `META.definitions` but never this hash, so a disabled
 * job stays disabled through re-syncs and restarts, and a job removed from the file and
 * added back later is still disabled. The file's `enabled: false` is the stronger switch:
 * such a job has no schedule at all, whatever this hash says.
 */
export interface OperatorSwitch {
  reason: string;
  /** `<user>@<host>` of the process that disabled it (operatorName). */
  by: string;
  /** ms, Redis clock: the same for every host that reads it. */
  at: number;
}

/** The reason recorded when the operator gave none. */
export const DEFAULT_REASON = 'no reason given';

/** What a skipped tick of a disabled job is recorded with (`jobs history`). */
export function skipReason(reason: string): string {
  return `disabled by an operator: ${reason}`;
}

export function jobSwitchesKey(prefix: string): string {
  return metaKey(prefix, META.disabled);
}

/** Disables the job for every host; disabling it again replaces the reason, who and when. */
export async function disableJob(
  client: RedisClient,
  prefix: string,
  name: string,
  change: { reason: string; by: string },
): Promise<OperatorSwitch> {
  const operatorSwitch: OperatorSwitch = {
    reason: change.reason.trim() || DEFAULT_REASON,
    by: change.by,
    at: await redisNow(client),
  };
  await client.hset(jobSwitchesKey(prefix), name, JSON.stringify(operatorSwitch));
  return operatorSwitch;
}

/** Returns the switch that was removed, undefined if the job was not disabled. */
export async function enableJob(
  client: RedisClient,
  prefix: string,
  name: string,
): Promise<OperatorSwitch | undefined> {
  const key = jobSwitchesKey(prefix);
  // Read and delete in one transaction: two operators enabling at once see one removal.
  const results = await client.multi().hget(key, name).hdel(key, name).exec();
  const [readError, json] = results?.[0] ?? [];
  if (readError) throw readError;
  return typeof json === 'string' ? parseSwitch(json) : undefined;
}

export async function readJobSwitches(
  client: RedisClient,
  prefix: string,
): Promise<Map<string, OperatorSwitch>> {
  const hash = await client.hgetall(jobSwitchesKey(prefix));
  return new Map(Object.entries(hash).map(([name, json]) => [name, parseSwitch(json)]));
}

/** One HGET: what a worker reads for each scheduled tick. */
export async function readJobSwitch(
  client: RedisClient,
  prefix: string,
  name: string,
): Promise<OperatorSwitch | undefined> {
  const json = await client.hget(jobSwitchesKey(prefix), name);
  return json === null ? undefined : parseSwitch(json);
}

/** who is acting, for `by`: `<user>@<host>` of this process (os.userInfo, settings.hostId). */
export function operatorName(hostId: string): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    // A uid with no passwd entry (containers run as arbitrary uids) has no user name.
    user = typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'unknown';
  }
  return `${user}@${hostId}`;
}

/**
 * Refuses a run asked for by hand (`jobs run-job`, the page's *Run now*) of a job an
 * operator disabled, with a sentence naming who did it, when and why.
 */
export async function refuseIfDisabled(
  client: RedisClient,
  prefix: string,
  name: string,
): Promise<void> {
  const operatorSwitch = await readJobSwitch(client, prefix, name);
  if (operatorSwitch) throw new JobDisabledError(describeRefusal(name, operatorSwitch), name);
}

export function describeRefusal(name: string, operatorSwitch: OperatorSwitch): string {
  return `job '${name}' was disabled by ${operatorSwitch.by} at ${isoSecond(operatorSwitch.at)}: ${operatorSwitch.reason}`;
}

/** Why a job does not run, as `jobs list --json` and the page show it; null: it runs. */
export type DisabledState =
  { by: 'file' } | { by: 'operator'; operator: string; reason: string; at: string } | null;

/** The file's `enabled: false` wins over the operator's switch (it is the stronger one). */
export function disabledState(
  fileEnabled: boolean,
  operatorSwitch: OperatorSwitch | undefined,
): DisabledState {
  if (!fileEnabled) return { by: 'file' };
  if (!operatorSwitch) return null;
  return {
    by: 'operator',
    operator: operatorSwitch.by,
    reason: operatorSwitch.reason,
    at: new Date(operatorSwitch.at).toISOString(),
  };
}

/**
 * A record that cannot be read (written by hand, cut short) still disables the job: the
 * switch is there to stop runs, and `jobs enable` removes it.
 */
function parseSwitch(json: string): OperatorSwitch {
  try {
    const value = JSON.parse(json) as Partial<OperatorSwitch> | null;
    if (
      value &&
      typeof value.reason === 'string' &&
      typeof value.by === 'string' &&
      typeof value.at === 'number'
    )
      return { reason: value.reason, by: value.by, at: value.at };
  } catch {
    // fall through
  }
  return {
    reason: `unreadable switch record ${JSON.stringify(json.slice(0, 80))}`,
    by: 'unknown',
    at: 0,
  };
}

/** `2026-01-31 03:00:00Z` */
function isoSecond(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
