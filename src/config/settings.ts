import os from 'node:os';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { DURATION_EXAMPLES, parseDuration } from '../definitions/duration.js';
import { ROLE_PATTERN } from '../definitions/types.js';
import { EnvironmentError } from '../errors.js';

/**
 * The one config module. Settings are parsed once, before any connection is opened, into
 * a frozen object: built-in defaults < `.env` < environment < command-line flags.
 */

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisTarget {
  /** `redis://` or `rediss://` URL from REDIS_URL. */
  url?: string;
  /** Unix socket of the embedded redis-server (no REDIS_URL). */
  socket?: string;
  /** REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster. */
  cluster?: RedisNode[];
  /** REDIS_SENTINELS: the Sentinels that name the current master of REDIS_SENTINEL_MASTER. */
  sentinels?: RedisNode[];
  sentinelMaster?: string;
  /** Credentials and TLS of Cluster nodes and Sentinel-found masters (a URL carries its own). */
  username?: string;
  password?: string;
  tls?: boolean;
}

export interface Settings {
  configPath: string;
  redis: RedisTarget;
  /** True when no REDIS_URL is set: `jobs start` runs a private redis-server under ./var. */
  embeddedRedis: boolean;
  varDir: string;
  prefix: string;
  /** This host's name in heartbeats and `runOn: all` schedules (JOBS_HOST_ID). */
  hostId: string;
  /** JOBS_HOST_ROLES: the roles this host has; only jobs with no `roles` or a shared one run here. */
  hostRoles: readonly string[];
  workers: number;
  concurrency: number;
  metricsAddr: string | 'off';
  metricsToken: string | undefined;
  stopTimeoutMs: number;
  /** Worker recycling (`--max-jobs`, `--max-time`, `--max-memory`): unset means no limit. */
  recycle: RecycleSettings;
  failedRetentionMs: number;
  completedRetentionMs: number;
  logLevel: string;
  /** Pre-start each worker's replacement, so restarts take milliseconds, not seconds. */
  spareWorkers: boolean;
  web: WebSettings;
}

/** The admin page and its HTTP API (docs/web.md). */
export interface WebSettings {
  /** JOBS_WEB: served by the daemon on JOBS_METRICS_ADDR. */
  enabled: boolean;
  /** JOBS_WEB_TOKEN: full access (admin). */
  token: string | undefined;
  /** JOBS_WEB_READONLY_TOKEN: may look, not act. */
  readonlyToken: string | undefined;
  /** JOBS_WEB_BASE_PATH: '' or `/jobs` (no trailing slash). */
  basePath: string;
  /** JOBS_WEB_HOSTS: Host names allowed besides loopback names and the listen address. */
  hosts: readonly string[];
}

export interface RecycleSettings {
  maxJobs?: number;
  maxTimeMs?: number;
  maxMemoryMb?: number;
}

/** Every environment variable the commands read, with its default and meaning (for --help and .env.example). */
export const ENVIRONMENT = Object.freeze({
  REDIS_URL: [
    '',
    'redis:// or rediss:// URL; unset: `jobs start` runs a private redis-server under ./var',
  ],
  REDIS_CLUSTER_NODES: [
    '',
    'host:port,host:port seed nodes of a Redis Cluster (use with JOBS_PREFIX={jobs}); replaces REDIS_URL',
  ],
  REDIS_SENTINELS: [
    '',
    'host:port,host:port of Redis Sentinels that name the master; replaces REDIS_URL',
  ],
  REDIS_SENTINEL_MASTER: ['mymaster', 'the master name the Sentinels watch'],
  REDIS_USERNAME: ['', 'ACL user of Cluster nodes or the Sentinel-found master'],
  REDIS_PASSWORD: ['', 'password of Cluster nodes or the Sentinel-found master (and Sentinels)'],
  REDIS_TLS: ['false', 'true: TLS to Cluster nodes or the Sentinel-found master'],
  JOBS_CONFIG: ['./jobs.yaml', 'the definitions file'],
  JOBS_PREFIX: [
    'jobs',
    'Redis key prefix shared by every daemon and worker ({jobs} for Redis Cluster)',
  ],
  JOBS_HOST_ID: [
    'the hostname',
    "this host's name in heartbeats and runOn: all schedules; unique per host ([A-Za-z0-9._-])",
  ],
  JOBS_HOST_ROLES: [
    '',
    'roles of this host, comma-separated (web,reports): jobs with `roles` run only on hosts that have one of them',
  ],
  JOBS_WORKERS: ['CPU count', 'worker processes `jobs start` runs; 0 = scheduler and metrics only'],
  JOBS_CONCURRENCY: ['1', 'jobs one worker process runs at once, per queue'],
  JOBS_METRICS_ADDR: ['127.0.0.1:9464', 'host:port of /metrics, /healthz, /readyz; off disables'],
  JOBS_METRICS_TOKEN: ['', 'if set, /metrics needs Authorization: Bearer <token>'],
  JOBS_WEB: ['on', 'on: the daemon serves the admin page and /api/ on JOBS_METRICS_ADDR; off: not'],
  JOBS_WEB_TOKEN: [
    '',
    'the admin page and API need this token (login form or Bearer); required off loopback',
  ],
  JOBS_WEB_READONLY_TOKEN: ['', 'a second token that may look at the admin page but not act'],
  JOBS_WEB_BASE_PATH: ['', 'path prefix of the admin page behind a reverse proxy, e.g. /jobs'],
  JOBS_WEB_HOSTS: [
    '',
    'extra Host names the admin page answers to (a reverse proxy), comma-separated',
  ],
  JOBS_STOP_TIMEOUT: [
    '30s',
    'how long a stopping worker waits for running jobs before aborting them',
  ],
  JOBS_FAILED_RETENTION: ['180d', 'failed runs older than this are pruned'],
  JOBS_COMPLETED_RETENTION: ['30d', 'completed runs older than this are pruned'],
  JOBS_SPARE_WORKERS: [
    'off',
    'on: keep one pre-started replacement per worker for crashes and recycling (~60 MB each; never used by a restart)',
  ],
  JOBS_VAR_DIR: [
    './var',
    "the embedded redis-server's folder (its socket and data; 0700): no REDIS_URL",
  ],
  LOG_LEVEL: ['info', 'trace, debug, info, warn, error or fatal; debug also prints stack traces'],
  JOBS_LOG_FORMAT: ['', 'logs are JSON lines; on a terminal they are printed readably unless json'],
} as const);

export type EnvName = keyof typeof ENVIRONMENT;

/** Flag values, parsed already by the CLI (a bad one is a usage error there, not here). */
export interface SettingsFlags {
  config?: string;
  workers?: number;
  concurrency?: number;
  metricsAddr?: string;
  /** ms */
  stopTimeout?: number;
  maxJobs?: number;
  /** ms */
  maxTime?: number;
  maxMemory?: number;
}

/** A value read, or the sentence that says why it cannot be used. */
export type Checked<T> = { value: T; problem?: undefined } | { value?: undefined; problem: string };

/** The one check of whole numbers, for flags and variables alike. */
export function checkWholeNumber(label: string, text: string, min: number): Checked<number> {
  const number = Number(text);
  if (text.trim() === '' || !Number.isInteger(number) || number < min) {
    return { problem: `${label} '${text}' must be a whole number ≥ ${min}` };
  }
  return { value: number };
}

/** The one check of durations given as settings (ms). */
export function checkDuration(label: string, text: string): Checked<number> {
  const ms = parseDuration(text);
  if (ms === undefined)
    return { problem: `${label} '${text}' is not a duration (${DURATION_EXAMPLES})` };
  return { value: ms };
}

/** host:port (IPv6 in brackets) or `off`. */
export function checkMetricsAddr(label: string, text: string): Checked<string> {
  if (text !== 'off' && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(text)) {
    return { problem: `${label} '${text}' must be host:port or off` };
  }
  return { value: text };
}

let dotenvLoaded = false;

/** Reads `.env` from the working directory once; variables already in the environment win. */
export function loadDotenvOnce(): void {
  if (dotenvLoaded) return;
  dotenvLoaded = true;
  loadDotenv({ quiet: true });
}

export function loadSettings(
  flags: SettingsFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Settings> {
  loadDotenvOnce();
  const problems: string[] = [];
  const read = (name: EnvName): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  /** A flag's value (checked by the CLI already) wins over its variable, checked here. */
  const setting = <T>(
    flag: T | undefined,
    name: EnvName,
    check: (label: string, text: string) => Checked<T>,
    fallback: T,
  ): T => {
    if (flag !== undefined) return flag;
    const text = read(name);
    if (text === undefined) return fallback;
    const checked = check(name, text);
    if (checked.problem !== undefined) {
      problems.push(checked.problem);
      return fallback;
    }
    return checked.value as T;
  };
  const wholeNumber = (min: number) => (label: string, text: string) =>
    checkWholeNumber(label, text, min);

  const varDir = path.resolve(read('JOBS_VAR_DIR') ?? 'var');
  const redis = readRedisTarget(read, varDir, problems);
  const hostId = read('JOBS_HOST_ID') ?? os.hostname().replace(/[^A-Za-z0-9._-]/g, '-');
  if (!HOST_ID_PATTERN.test(hostId)) {
    problems.push(`JOBS_HOST_ID '${hostId}' may hold only letters, digits, '.', '_' and '-'`);
  }
  const hostRoles = [
    ...new Set(
      (read('JOBS_HOST_ROLES') ?? '')
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
    ),
  ].sort();
  for (const role of hostRoles.filter((role) => !ROLE_PATTERN.test(role))) {
    problems.push(
      `JOBS_HOST_ROLES item '${role}' may hold only lower-case letters, digits, '.', '_' and '-'`,
    );
  }
  const metricsAddr = setting(
    flags.metricsAddr,
    'JOBS_METRICS_ADDR',
    checkMetricsAddr,
    '127.0.0.1:9464',
  );

  const settings: Settings = {
    configPath: path.resolve(flags.config ?? read('JOBS_CONFIG') ?? 'jobs.yaml'),
    redis,
    embeddedRedis: redis.socket !== undefined,
    varDir,
    prefix: read('JOBS_PREFIX') ?? 'jobs',
    hostId,
    hostRoles: Object.freeze(hostRoles),
    workers: setting(flags.workers, 'JOBS_WORKERS', wholeNumber(0), os.availableParallelism()),
    concurrency: setting(flags.concurrency, 'JOBS_CONCURRENCY', wholeNumber(1), 1),
    metricsAddr,
    metricsToken: read('JOBS_METRICS_TOKEN'),
    stopTimeoutMs: setting(flags.stopTimeout, 'JOBS_STOP_TIMEOUT', checkDuration, 30_000),
    recycle: {
      maxJobs: flags.maxJobs,
      maxTimeMs: flags.maxTime,
      maxMemoryMb: flags.maxMemory,
    },
    failedRetentionMs: setting(undefined, 'JOBS_FAILED_RETENTION', checkDuration, 180 * DAY_MS),
    completedRetentionMs: setting(
      undefined,
      'JOBS_COMPLETED_RETENTION',
      checkDuration,
      30 * DAY_MS,
    ),
    logLevel: read('LOG_LEVEL') ?? 'info',
    spareWorkers: !['off', '0', 'false', 'no'].includes(
      (read('JOBS_SPARE_WORKERS') ?? 'off').toLowerCase(),
    ),
    web: readWebSettings(read, problems),
  };
  if (problems.length > 0) throw new EnvironmentError(problems);
  return Object.freeze(settings);
}

/** The environment a forked worker needs to reach the same Redis and definitions. */
export function childEnvironment(settings: Settings): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JOBS_CONFIG: settings.configPath,
    JOBS_PREFIX: settings.prefix,
    JOBS_VAR_DIR: settings.varDir,
    JOBS_HOST_ID: settings.hostId,
    JOBS_HOST_ROLES: settings.hostRoles.join(','),
    ...(settings.redis.url ? { REDIS_URL: settings.redis.url } : {}),
  };
}

const DAY_MS = 86_400_000;

function readWebSettings(
  read: (name: EnvName) => string | undefined,
  problems: string[],
): WebSettings {
  const switchText = (read('JOBS_WEB') ?? 'on').toLowerCase();
  const enabled = ['on', '1', 'true', 'yes'].includes(switchText);
  if (!enabled && !['off', '0', 'false', 'no'].includes(switchText)) {
    problems.push(`JOBS_WEB '${read('JOBS_WEB')}' must be on or off`);
  }
  const basePath = read('JOBS_WEB_BASE_PATH') ?? '';
  if (basePath && !/^\/[A-Za-z0-9._~\-/]*[^/]$/.test(basePath)) {
    problems.push(
      `JOBS_WEB_BASE_PATH '${basePath}' must start with '/' and not end with one (e.g. /jobs)`,
    );
  }
  const token = read('JOBS_WEB_TOKEN');
  const readonlyToken = read('JOBS_WEB_READONLY_TOKEN');
  if (readonlyToken && !token) {
    problems.push('JOBS_WEB_READONLY_TOKEN needs JOBS_WEB_TOKEN beside it (the admin token)');
  }
  if (token && readonlyToken === token) {
    problems.push('JOBS_WEB_READONLY_TOKEN must differ from JOBS_WEB_TOKEN');
  }
  const hosts = (read('JOBS_WEB_HOSTS') ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  return Object.freeze({
    enabled,
    token,
    readonlyToken,
    basePath,
    hosts: Object.freeze(hosts),
  });
}

/** Host ids become part of queue names and Redis keys: no ':' or spaces. */
export const HOST_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * Where Redis is: a Cluster (REDIS_CLUSTER_NODES), Sentinels (REDIS_SENTINELS), one server
 * (REDIS_URL), or else the embedded redis-server's socket under ./var.
 */
function readRedisTarget(
  read: (name: EnvName) => string | undefined,
  varDir: string,
  problems: string[],
): RedisTarget {
  const url = read('REDIS_URL');
  if (url && !/^(redis|rediss):\/\//.test(url)) {
    problems.push(`REDIS_URL '${url}' must start with redis:// or rediss://`);
  }
  const auth = {
    username: read('REDIS_USERNAME'),
    password: read('REDIS_PASSWORD'),
    tls: /^(1|true|yes)$/i.test(read('REDIS_TLS') ?? ''),
  };
  const cluster = read('REDIS_CLUSTER_NODES');
  if (cluster) return { cluster: parseNodes('REDIS_CLUSTER_NODES', cluster, problems), ...auth };
  const sentinels = read('REDIS_SENTINELS');
  if (sentinels) {
    return {
      sentinels: parseNodes('REDIS_SENTINELS', sentinels, problems),
      sentinelMaster: read('REDIS_SENTINEL_MASTER') ?? 'mymaster',
      ...auth,
    };
  }
  return url ? { url } : { socket: path.join(varDir, 'redis.sock') };
}

function parseNodes(name: EnvName, value: string, problems: string[]): RedisNode[] {
  return value.split(',').flatMap((item) => {
    const match = /^\s*(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(item);
    if (!match) {
      problems.push(`${name} item '${item}' must be host:port`);
      return [];
    }
    return [{ host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2]) }];
  });
}
