import { ENVIRONMENT, shownDefault, type EnvName } from '../config/environment.js';

/** Where Redis is and under which prefix; every command that talks to Redis reads these. */
const REDIS_ENV: readonly EnvName[] = [
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_MASTER',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_TLS',
  'JOBS_PREFIX',
  // With no REDIS_URL, commands reach the embedded server through its socket there.
  'JOBS_VAR_DIR',
];

/** Read by every command: the file, and LOG_LEVEL=debug for stack traces of errors. */
const EVERY_COMMAND: readonly EnvName[] = ['JOBS_CONFIG', 'LOG_LEVEL'];

/** A long-running process: it has a host name and writes logs. */
const PROCESS_ENV: readonly EnvName[] = [
  ...REDIS_ENV,
  'JOBS_HOST_ID',
  'JOBS_HOST_ROLES',
  'JOBS_LOG_FORMAT',
  'JOBS_STOP_TIMEOUT',
];

const RETENTION: readonly EnvName[] = ['JOBS_FAILED_RETENTION', 'JOBS_COMPLETED_RETENTION'];

/**
 * The variables each command reads, besides EVERY_COMMAND: the one list its --help is
 * made from. `start` reads them all (it passes them on to the workers it forks).
 */
const COMMAND_ENV = {
  start: Object.keys(ENVIRONMENT) as EnvName[],
  work: [...PROCESS_ENV, 'JOBS_CONCURRENCY', 'JOBS_METRICS_TOKEN'],
  run: [...PROCESS_ENV, 'JOBS_CONCURRENCY', ...RETENTION],
  'run-job': [...REDIS_ENV, ...RETENTION],
  prune: [...REDIS_ENV, ...RETENTION],
  restart: REDIS_ENV,
  list: REDIS_ENV,
  pending: REDIS_ENV,
  failed: REDIS_ENV,
  retry: REDIS_ENV,
  history: REDIS_ENV,
  pause: REDIS_ENV,
  resume: REDIS_ENV,
  status: REDIS_ENV,
  disable: [...REDIS_ENV, 'JOBS_HOST_ID'],
  enable: REDIS_ENV,
  remove: REDIS_ENV,
  validate: [],
  web: [
    ...REDIS_ENV,
    ...RETENTION,
    'JOBS_HOST_ID',
    'JOBS_LOG_FORMAT',
    'JOBS_WEB_TOKEN',
    'JOBS_WEB_READONLY_TOKEN',
    'JOBS_WEB_BASE_PATH',
    'JOBS_WEB_HOSTS',
  ],
} satisfies Record<string, readonly EnvName[]>;

export type CommandName = keyof typeof COMMAND_ENV;

/** The "Environment:" block every command's --help ends with. */
export function environmentHelp(command: CommandName): string {
  const names = [...new Set<EnvName>([...COMMAND_ENV[command], ...EVERY_COMMAND])];
  const order = Object.keys(ENVIRONMENT);
  names.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => {
    const fallback = shownDefault(name);
    const meaning = ENVIRONMENT[name].help;
    return `  ${name.padEnd(width)}  ${meaning}${fallback ? ` (default: ${fallback})` : ''}`;
  });
  return `\nEnvironment (read from .env, then the environment; flags win):\n${lines.join('\n')}\n`;
}
