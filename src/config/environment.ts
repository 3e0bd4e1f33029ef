import os from 'node:os';
import path from 'node:path';
import {
  checkBasePath,
  checkDuration,
  checkHostId,
  checkLogLevel,
  checkMetricsAddr,
  checkOnOff,
  checkRedisUrl,
  checkWholeNumber,
  parseHostNames,
  parseNodes,
  parseRoles,
  readTrue,
  toParsed,
  type Checked,
  type Parsed,
} from './checks.js';

/**
 * Every environment variable the commands read, in one table: its meaning, its default and
 * its parser. `loadSettings`, every command's --help and the few readers that run before
 * settings are loaded (the log level of errors, the log format) all read from here, so
 * no default is written twice and no variable is read anywhere else.
 */

/** A default that depends on the machine: worked out when read, named in --help. */
interface ComputedDefault {
  shown: string;
  text: () => string;
}

interface Variable<T> {
  /** Its meaning in one line, for --help. */
  help: string;
  /**
   * Written as an operator would set it and read through `parse` like a value set, so
   * what --help shows is what an unset variable gives. Absent: unset means none.
   */
  default?: string | ComputedDefault;
  /** The trimmed, non-blank text set (or the default) → its value or its problems. */
  parse: (name: string, text: string) => Parsed<T>;
}

const asText = (_name: string, text: string): Parsed<string> => ({ value: text });
const asPath = (_name: string, text: string): Parsed<string> => ({ value: path.resolve(text) });
const one =
  <T>(check: (label: string, text: string) => Checked<T>) =>
  (name: string, text: string): Parsed<T> =>
    toParsed(check(name, text));
const wholeNumber = (min: number) => one((label, text) => checkWholeNumber(label, text, min));

/** In the order --help lists them. */
export const ENVIRONMENT = Object.freeze({
  REDIS_URL: {
    help: 'redis:// or rediss:// URL; unset: `jobs start` runs a private redis-server under ./var',
    parse: one(checkRedisUrl),
  },
  REDIS_CLUSTER_NODES: {
    help: 'host:port,host:port seed nodes of a Redis Cluster (use with JOBS_PREFIX={jobs}); replaces REDIS_URL',
    parse: parseNodes,
  },
  REDIS_SENTINELS: {
    help: 'host:port,host:port of Redis Sentinels that name the master; replaces REDIS_URL',
    parse: parseNodes,
  },
  REDIS_SENTINEL_MASTER: {
    help: 'the master name the Sentinels watch',
    default: 'mymaster',
    parse: asText,
  },
  REDIS_USERNAME: {
    help: 'ACL user of Cluster nodes or the Sentinel-found master',
    parse: asText,
  },
  REDIS_PASSWORD: {
    help: 'password of Cluster nodes or the Sentinel-found master (and Sentinels)',
    parse: asText,
  },
  REDIS_TLS: {
    help: 'true: TLS to Cluster nodes or the Sentinel-found master',
    default: 'false',
    parse: one(readTrue),
  },
  JOBS_CONFIG: { help: 'the definitions file', default: './jobs.yaml', parse: asPath },
  JOBS_PREFIX: {
    help: 'Redis key prefix shared by every daemon and worker ({jobs} for Redis Cluster)',
    default: 'jobs',
    parse: asText,
  },
  JOBS_HOST_ID: {
    help: "this host's name in heartbeats and runOn: all schedules; unique per host ([A-Za-z0-9._-])",
    default: {
      shown: 'the hostname',
      text: () => os.hostname().replace(/[^A-Za-z0-9._-]/g, '-'),
    },
    parse: one(checkHostId),
  },
  JOBS_HOST_ROLES: {
    help: 'roles of this host, comma-separated (web,reports): jobs with `roles` run only on hosts that have one of them',
    parse: parseRoles,
  },
  JOBS_WORKERS: {
    help: 'worker processes `jobs start` runs; 0 = scheduler and metrics only',
    default: { shown: 'CPU count', text: () => String(os.availableParallelism()) },
    parse: wholeNumber(0),
  },
  JOBS_CONCURRENCY: {
    help: 'jobs one worker process runs at once, per queue',
    default: '1',
    parse: wholeNumber(1),
  },
  JOBS_METRICS_ADDR: {
    help: 'host:port of /metrics, /healthz, /readyz; off disables',
    default: '127.0.0.1:9464',
    parse: one(checkMetricsAddr),
  },
  JOBS_METRICS_TOKEN: {
    help: 'if set, /metrics needs Authorization: Bearer <token>',
    parse: asText,
  },
  JOBS_WEB: {
    help: 'on: the daemon serves the admin page and /api/ on JOBS_METRICS_ADDR; off: not',
    default: 'on',
    parse: one(checkOnOff),
  },
  JOBS_WEB_TOKEN: {
    help: 'the admin page and API need this token (login form or Bearer); required off loopback',
    parse: asText,
  },
  JOBS_WEB_READONLY_TOKEN: {
    help: 'a second token that may look at the admin page but not act',
    parse: asText,
  },
  JOBS_WEB_BASE_PATH: {
    help: 'path prefix of the admin page behind a reverse proxy, e.g. /jobs',
    parse: one(checkBasePath),
  },
  JOBS_WEB_HOSTS: {
    help: 'extra Host names the admin page answers to (a reverse proxy), comma-separated',
    parse: parseHostNames,
  },
  JOBS_STOP_TIMEOUT: {
    help: 'how long a stopping worker waits for running jobs before aborting them',
    default: '30s',
    parse: one(checkDuration),
  },
  JOBS_FAILED_RETENTION: {
    help: 'failed runs older than this are pruned',
    default: '180d',
    parse: one(checkDuration),
  },
  JOBS_COMPLETED_RETENTION: {
    help: 'completed runs older than this are pruned',
    default: '30d',
    parse: one(checkDuration),
  },
  JOBS_SPARE_WORKERS: {
    help: 'on: keep one pre-started replacement per worker for crashes and recycling (~60 MB each; never used by a restart)',
    default: 'off',
    parse: one(checkOnOff),
  },
  JOBS_VAR_DIR: {
    help: "the embedded redis-server's folder (its socket and data; 0700): no REDIS_URL",
    default: './var',
    parse: asPath,
  },
  LOG_LEVEL: {
    help: 'trace, debug, info, warn, error or fatal; debug also prints stack traces',
    default: 'info',
    parse: one(checkLogLevel),
  },
  JOBS_LOG_FORMAT: {
    help: 'logs are JSON lines; on a terminal they are printed readably unless json',
    parse: asText,
  },
} satisfies Record<string, Variable<unknown>>);

export type EnvName = keyof typeof ENVIRONMENT;

type Entry<N extends EnvName> = (typeof ENVIRONMENT)[N];

/** What a variable reads as: with a default, always a value; without, possibly none. */
export type ValueOf<N extends EnvName> = Entry<N>['parse'] extends (
  name: string,
  text: string,
) => Parsed<infer T>
  ? Entry<N> extends { default: unknown }
    ? T
    : T | undefined
  : never;

/** The text set for a variable, trimmed; blank counts as unset. */
export function textSet(env: NodeJS.ProcessEnv, name: EnvName): string | undefined {
  const text = env[name]?.trim();
  return text === '' ? undefined : text;
}

function defaultText(name: EnvName): string | undefined {
  const fallback = (ENVIRONMENT[name] as Variable<unknown>).default;
  return typeof fallback === 'object' ? fallback.text() : fallback;
}

/** A variable's value: the text set, else its default, through its parser. */
export function readVariable<N extends EnvName>(
  env: NodeJS.ProcessEnv,
  name: N,
): Parsed<ValueOf<N>> {
  const text = textSet(env, name) ?? defaultText(name);
  if (text === undefined) return { value: undefined as ValueOf<N> };
  return (ENVIRONMENT[name] as Variable<ValueOf<N>>).parse(name, text);
}

/** The default as --help and .env.example show it; '' when unset means none. */
export function shownDefault(name: EnvName): string {
  const fallback = (ENVIRONMENT[name] as Variable<unknown>).default;
  return typeof fallback === 'object' ? fallback.shown : (fallback ?? '');
}

/**
 * For code that runs before settings are loaded, or without them: a wrong value counts as
 * unset here, and loadSettings is the one that names it.
 */
function readOrDefault<N extends EnvName>(env: NodeJS.ProcessEnv, name: N): ValueOf<N> {
  return readVariable(env, name).value ?? (readVariable({}, name).value as ValueOf<N>);
}

/** LOG_LEVEL, for the error printer (stack traces at debug and trace). */
export function readLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return readOrDefault(env, 'LOG_LEVEL');
}

/** JOBS_LOG_FORMAT: `json` keeps JSON lines on a terminal too. */
export function logFormat(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return readOrDefault(env, 'JOBS_LOG_FORMAT');
}
