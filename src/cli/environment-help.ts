import { ENVIRONMENT, type EnvName } from '../config/settings.js';

/** The "Environment:" block every command's --help ends with. */
export function environmentHelp(names: readonly EnvName[]): string {
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => {
    const [fallback, meaning] = ENVIRONMENT[name];
    return `  ${name.padEnd(width)}  ${meaning}${fallback ? ` (default: ${fallback})` : ''}`;
  });
  return `\nEnvironment (read from .env, then the environment; flags win):\n${lines.join('\n')}\n`;
}

export const REDIS_ENV: readonly EnvName[] = [
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_MASTER',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_TLS',
  'JOBS_PREFIX',
  'JOBS_CONFIG',
  'LOG_LEVEL',
];

/** What every long-running process reads to find Redis, name its host and load its definitions. */
export const PROCESS_ENV: readonly EnvName[] = [
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'JOBS_HOST_ID',
  'JOBS_HOST_ROLES',
  'JOBS_CONFIG',
  'JOBS_PREFIX',
];
