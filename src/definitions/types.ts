/** A job definition after validation: every default applied, every duration in milliseconds. */

export type Schedule =
  | { kind: 'cron'; expression: string; pattern: string }
  | { kind: 'every'; everyMs: number; delayMs: number }
  | { kind: 'none' };

export type Handler =
  | {
      kind: 'command';
      argv: readonly string[];
      shell: boolean;
      cwd: string;
      env: Readonly<Record<string, string>>;
    }
  | { kind: 'module'; spec: string; path: string };

export interface Backoff {
  type: 'fixed' | 'exponential';
  delayMs: number;
}

export interface JobDefinition {
  name: string;
  description: string;
  schedule: Schedule;
  timezone: string;
  queue: string;
  attempts: number;
  backoff: Backoff;
  timeoutMs: number;
  handler: Handler;
  enabled: boolean;
  overlap: 'forbid' | 'allow';
  runOn: 'one' | 'all';
  missed: 'once' | 'skip';
  /** Each tick starts at a moment in [0, jitterMs) after it is due; 0: at once. */
  jitterMs: number;
  /** Only hosts whose JOBS_HOST_ROLES name one of these run it; empty: any host. */
  roles: readonly string[];
  data: unknown;
  /** Where the job is written, `file:line:col`, for messages. */
  source: string;
}

export interface Definitions {
  /** Absolute path of the definitions file. */
  file: string;
  jobs: ReadonlyMap<string, JobDefinition>;
}

/** What a job inherits when neither it nor `defaults:` says otherwise (SPEC §3). */
export const BUILTIN_DEFAULTS = Object.freeze({
  timezone: 'UTC',
  queue: 'default',
  attempts: 1,
  backoff: Object.freeze({ type: 'fixed', delayMs: 30_000 } as Backoff),
  timeoutMs: 3_600_000,
  overlap: 'allow' as const,
  runOn: 'one' as const,
  missed: 'once' as const,
});

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** Role names end up in queue names (schedule/host-queues.ts): no '@', '%' or '+'. */
export const ROLE_PATTERN = NAME_PATTERN;
