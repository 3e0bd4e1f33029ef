import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { DURATION_EXAMPLES } from '../../src/definitions/duration.js';
import { EnvironmentError, EXIT } from '../../src/errors.js';

/** A working environment: one Redis URL, nothing else set. */
const BASE: NodeJS.ProcessEnv = { REDIS_URL: 'redis://127.0.0.1:6379', JOBS_HOST_ID: 'web-1' };

/** The error loadSettings throws for this environment (failing the test if it throws none). */
function refusal(env: NodeJS.ProcessEnv): EnvironmentError {
  try {
    loadSettings({}, { ...BASE, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvironmentError);
    return error as EnvironmentError;
  }
  throw new Error(`loadSettings accepted ${JSON.stringify(env)}`);
}

describe('loadSettings: a wrong value is one sentence, a configuration error (exit 78)', () => {
  it.each<[string, NodeJS.ProcessEnv, string]>([
    [
      'REDIS_URL',
      { REDIS_URL: 'localhost:6379' },
      "REDIS_URL 'localhost:6379' must start with redis:// or rediss://",
    ],
    [
      'REDIS_CLUSTER_NODES',
      { REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2' },
      "REDIS_CLUSTER_NODES item '10.0.0.2' must be host:port",
    ],
    [
      'REDIS_SENTINELS',
      { REDIS_SENTINELS: 'sentinel-1:port' },
      "REDIS_SENTINELS item 'sentinel-1:port' must be host:port",
    ],
    [
      'JOBS_HOST_ID',
      { JOBS_HOST_ID: 'web 1:a' },
      "JOBS_HOST_ID 'web 1:a' may hold only letters, digits, '.', '_' and '-'",
    ],
    [
      'JOBS_HOST_ROLES',
      { JOBS_HOST_ROLES: 'web,Reports' },
      "JOBS_HOST_ROLES item 'Reports' may hold only lower-case letters, digits, '.', '_' and '-'",
    ],
    ['JOBS_WORKERS', { JOBS_WORKERS: '-1' }, "JOBS_WORKERS '-1' must be a whole number ≥ 0"],
    [
      'JOBS_CONCURRENCY',
      { JOBS_CONCURRENCY: '0' },
      "JOBS_CONCURRENCY '0' must be a whole number ≥ 1",
    ],
    [
      'JOBS_METRICS_ADDR',
      { JOBS_METRICS_ADDR: '9464' },
      "JOBS_METRICS_ADDR '9464' must be host:port or off",
    ],
    [
      'JOBS_STOP_TIMEOUT',
      { JOBS_STOP_TIMEOUT: '30 seconds' },
      `JOBS_STOP_TIMEOUT '30 seconds' is not a duration (${DURATION_EXAMPLES})`,
    ],
    [
      'JOBS_FAILED_RETENTION',
      { JOBS_FAILED_RETENTION: 'forever' },
      `JOBS_FAILED_RETENTION 'forever' is not a duration (${DURATION_EXAMPLES})`,
    ],
    [
      'JOBS_COMPLETED_RETENTION',
      { JOBS_COMPLETED_RETENTION: '-1d' },
      `JOBS_COMPLETED_RETENTION '-1d' is not a duration (${DURATION_EXAMPLES})`,
    ],
    ['JOBS_WEB', { JOBS_WEB: 'maybe' }, "JOBS_WEB 'maybe' must be on or off"],
    [
      'JOBS_WEB_BASE_PATH',
      { JOBS_WEB_BASE_PATH: 'jobs/' },
      "JOBS_WEB_BASE_PATH 'jobs/' must start with '/' and not end with one (e.g. /jobs)",
    ],
    [
      'JOBS_WEB_READONLY_TOKEN alone',
      { JOBS_WEB_READONLY_TOKEN: 'look' },
      'JOBS_WEB_READONLY_TOKEN needs JOBS_WEB_TOKEN beside it (the admin token)',
    ],
    [
      'JOBS_WEB_READONLY_TOKEN equal to JOBS_WEB_TOKEN',
      { JOBS_WEB_TOKEN: 'same', JOBS_WEB_READONLY_TOKEN: 'same' },
      'JOBS_WEB_READONLY_TOKEN must differ from JOBS_WEB_TOKEN',
    ],
  ])('%s', (_name, env, message) => {
    const error = refusal(env);
    expect(error.message).toBe(message);
    expect(error.problems).toEqual([message]);
    expect(error.exitCode).toBe(EXIT.config);
    expect(error.code).toBe('ECONFIG');
  });

  it('names every wrong variable at once, not only the first', () => {
    const error = refusal({ JOBS_WORKERS: 'two', JOBS_WEB: 'maybe', REDIS_URL: 'http://x' });
    expect([...error.problems].sort()).toEqual([
      "JOBS_WEB 'maybe' must be on or off",
      "JOBS_WORKERS 'two' must be a whole number ≥ 0",
      "REDIS_URL 'http://x' must start with redis:// or rediss://",
    ]);
  });

  it('takes a flag over its wrong variable (the CLI checked the flag)', () => {
    expect(loadSettings({ workers: 2 }, { ...BASE, JOBS_WORKERS: 'two' }).workers).toBe(2);
  });

  it('accepts the same variables with right values', () => {
    const settings = loadSettings(
      {},
      {
        ...BASE,
        JOBS_WORKERS: '0',
        JOBS_CONCURRENCY: '4',
        JOBS_METRICS_ADDR: '[::1]:9464',
        JOBS_STOP_TIMEOUT: '45s',
        JOBS_WEB: 'off',
        JOBS_WEB_BASE_PATH: '/jobs',
        JOBS_HOST_ROLES: 'web, reports',
      },
    );
    expect(settings).toMatchObject({
      workers: 0,
      concurrency: 4,
      metricsAddr: '[::1]:9464',
      stopTimeoutMs: 45_000,
      hostRoles: ['reports', 'web'],
      web: { enabled: false, basePath: '/jobs' },
    });
  });
});
