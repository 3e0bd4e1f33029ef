import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { EnvironmentError } from '../errors.js';
import type { RedisNode } from './checks.js';
import { readVariable, textSet, type EnvName, type ValueOf } from './environment.js';

/**
 * The one config module. Settings are parsed once, before any connection is opened, into
 * a frozen object: built-in defaults < `.env` < environment < command-line flags. Each
 * variable's default and parser are in ENVIRONMENT (environment.ts); here they are put
 * together, with the checks that span several variables.
 */

export type { RedisNode };

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
  /** A variable's value; a wrong one is noted, to be named with every other at the end. */
  const read = <N extends EnvName>(name: N): ValueOf<N> => {
    const parsed = readVariable(env, name);
    if (parsed.problems) problems.push(...parsed.problems);
    return parsed.value as ValueOf<N>;
  };
  /** A flag's value (checked by the CLI already) wins over its variable, not read then. */
  const setting = <N extends EnvName>(flag: ValueOf<N> | undefined, name: N): ValueOf<N> =>
    flag !== undefined ? flag : read(name);

  const varDir = read('JOBS_VAR_DIR');
  const isSet = (name: EnvName): boolean => textSet(env, name) !== undefined;
  const redis = readRedisTarget(read, isSet, varDir);
  const hostId = read('JOBS_HOST_ID');
  const hostRoles = read('JOBS_HOST_ROLES') ?? NONE;
  const metricsAddr = setting(flags.metricsAddr, 'JOBS_METRICS_ADDR');

  const settings: Settings = {
    configPath: flags.config === undefined ? read('JOBS_CONFIG') : path.resolve(flags.config),
    redis,
    embeddedRedis: redis.socket !== undefined,
    varDir,
    prefix: read('JOBS_PREFIX'),
    hostId,
    hostRoles,
    workers: setting(flags.workers, 'JOBS_WORKERS'),
    concurrency: setting(flags.concurrency, 'JOBS_CONCURRENCY'),
    metricsAddr,
    metricsToken: read('JOBS_METRICS_TOKEN'),
    stopTimeoutMs: setting(flags.stopTimeout, 'JOBS_STOP_TIMEOUT'),
    recycle: {
      maxJobs: flags.maxJobs,
      maxTimeMs: flags.maxTime,
      maxMemoryMb: flags.maxMemory,
    },
    failedRetentionMs: read('JOBS_FAILED_RETENTION'),
    completedRetentionMs: read('JOBS_COMPLETED_RETENTION'),
    logLevel: read('LOG_LEVEL'),
    spareWorkers: read('JOBS_SPARE_WORKERS'),
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

const NONE: readonly string[] = Object.freeze([]);

type Read = <N extends EnvName>(name: N) => ValueOf<N>;

/** The admin page's tokens go together: a read-only one only beside, and unlike, the admin's. */
function readWebSettings(read: Read, problems: string[]): WebSettings {
  const enabled = read('JOBS_WEB');
  const basePath = read('JOBS_WEB_BASE_PATH') ?? '';
  const token = read('JOBS_WEB_TOKEN');
  const readonlyToken = read('JOBS_WEB_READONLY_TOKEN');
  if (readonlyToken && !token) {
    problems.push('JOBS_WEB_READONLY_TOKEN needs JOBS_WEB_TOKEN beside it (the admin token)');
  }
  if (token && readonlyToken === token) {
    problems.push('JOBS_WEB_READONLY_TOKEN must differ from JOBS_WEB_TOKEN');
  }
  const hosts = read('JOBS_WEB_HOSTS') ?? NONE;
  return Object.freeze({ enabled, token, readonlyToken, basePath, hosts });
}

/**
 * Where Redis is: a Cluster (REDIS_CLUSTER_NODES), Sentinels (REDIS_SENTINELS), one server
 * (REDIS_URL), or else the embedded redis-server's socket under ./var. REDIS_URL is
 * checked even when a Cluster replaces it; the Sentinels are not read when there is one.
 */
function readRedisTarget(
  read: Read,
  isSet: (name: EnvName) => boolean,
  varDir: string,
): RedisTarget {
  const url = read('REDIS_URL');
  const auth = {
    username: read('REDIS_USERNAME'),
    password: read('REDIS_PASSWORD'),
    tls: read('REDIS_TLS'),
  };
  // Set, even with wrong items, they replace what comes after them.
  if (isSet('REDIS_CLUSTER_NODES')) return { cluster: read('REDIS_CLUSTER_NODES') ?? [], ...auth };
  if (isSet('REDIS_SENTINELS')) {
    return {
      sentinels: read('REDIS_SENTINELS') ?? [],
      sentinelMaster: read('REDIS_SENTINEL_MASTER'),
      ...auth,
    };
  }
  return url ? { url } : { socket: path.join(varDir, 'redis.sock') };
}
