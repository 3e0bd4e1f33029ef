import type { Definitions } from '../definitions/types.js';
import type { RedisClient } from '../redis/connection.js';
import { META, metaKey } from '../redis/keys.js';

/**
 * Runs of jobs with `roles` go to a queue of their role set, `<queue>%<role>+<role>`,
 * which only hosts having one of those roles consume: `runOn: one` ticks are handed over
 * there (worker/role-guard.ts), on-demand runs enqueued there. Queue names hold no '%'
 * and role names no '+'.
 */
const ROLE_SEPARATOR = '%';
const ROLE_JOINER = '+';

export function roleQueueName(queue: string, roles: readonly string[]): string {
  return `${queue}${ROLE_SEPARATOR}${[...roles].sort().join(ROLE_JOINER)}`;
}

/**
 * `runOn: all` jobs run on every live host. Each host has its own BullMQ queue per job
 * queue, `<queue>@<host>`, which only that host's workers consume, and one job scheduler
 * per job there, `<name>@<host>`. Queue names may not hold '@' (definitions/schema.ts)
 * and host ids may not either (config/checks.ts), so the split is unambiguous.
 */
const HOST_SEPARATOR = '@';

export function hostQueueName(queue: string, host: string): string {
  return `${queue}${HOST_SEPARATOR}${host}`;
}

export function hostSchedulerId(name: string, host: string): string {
  return `${name}${HOST_SEPARATOR}${host}`;
}

/**
 * `default@web-1` → { base: 'default', host: 'web-1' }; `default%reports+web` → { base:
 * 'default', roles: ['reports', 'web'] }; a shared queue has neither.
 */
export function splitHostQueue(queue: string): { base: string; host?: string; roles?: string[] } {
  const at = queue.search(/[@%]/);
  if (at < 0) return { base: queue };
  const base = queue.slice(0, at);
  const rest = queue.slice(at + 1);
  return queue[at] === HOST_SEPARATOR
    ? { base, host: rest }
    : { base, roles: rest.split(ROLE_JOINER) };
}

/** The queues that hold `runOn: all` jobs of enabled schedules. */
export function queuesWithHostJobs(definitions: Definitions): Set<string> {
  const queues = new Set<string>();
  for (const job of definitions.jobs.values()) {
    if (job.runOn === 'all' && job.enabled && job.schedule.kind !== 'none') queues.add(job.queue);
  }
  return queues;
}

/**
 * What a worker on `host` consumes: the given queues, this host's own queue of each, and
 * the role queues of the jobs whose roles this host has.
 */
export function withHostQueues(
  queues: readonly string[],
  definitions: Definitions,
  host: string,
  hostRoles: readonly string[] = [],
): string[] {
  const hostJobs = queuesWithHostJobs(definitions);
  const own = queues.filter((queue) => hostJobs.has(queue)).map((q) => hostQueueName(q, host));
  const roleQueues = new Set<string>();
  for (const job of definitions.jobs.values()) {
    if (job.roles.length === 0 || !queues.includes(job.queue)) continue;
    if (job.roles.some((role) => hostRoles.includes(role)))
      roleQueues.add(roleQueueName(job.queue, job.roles));
  }
  return [...queues, ...own, ...[...roleQueues].sort()];
}

/** set: every per-host queue that has held a scheduler, so none is forgotten when cleaning. */
export function hostQueuesKey(prefix: string): string {
  return metaKey(prefix, META.hostQueues);
}

/** The per-host queues of these base queues (all of them when none is named). */
export async function listHostQueues(
  client: RedisClient,
  prefix: string,
  bases?: ReadonlySet<string>,
): Promise<string[]> {
  const all = await client.smembers(hostQueuesKey(prefix));
  return all.filter((queue) => !bases || bases.has(splitHostQueue(queue).base)).sort();
}
