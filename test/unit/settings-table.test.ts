import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { environmentHelp } from '../../src/cli/environment-help.js';
import {
  checkBasePath,
  checkDuration,
  checkHostId,
  checkLogLevel,
  checkMetricsAddr,
  checkOnOff,
  checkRedisUrl,
  checkWholeNumber,
  parseNodes,
  parseRoles,
  type Checked,
  type Parsed,
} from '../../src/config/checks.js';
import {
  ENVIRONMENT,
  logFormat,
  readLogLevel,
  type EnvName,
} from '../../src/config/environment.js';
import { loadSettings } from '../../src/config/settings.js';
import { DURATION_EXAMPLES } from '../../src/definitions/duration.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NAMES = Object.keys(ENVIRONMENT) as EnvName[];

/** Sentinels rather than REDIS_URL, so that REDIS_SENTINEL_MASTER and REDIS_TLS count too. */
const BASE: NodeJS.ProcessEnv = { REDIS_SENTINELS: 'sentinel-1:26379', JOBS_HOST_ID: 'web-1' };

/** `jobs start --help`'s environment listing: name → [meaning, default shown or ''] */
function startHelp(): Map<string, [string, string]> {
  const lines = environmentHelp('start').split('\n');
  const listed = lines.flatMap((line) => {
    const match = /^ {2}([A-Z][A-Z_]+) +(.*?)(?: \(default: (.*)\))?$/.exec(line);
    return match ? [[match[1], [match[2], match[3] ?? '']] as const] : [];
  });
  return new Map(listed as [string, [string, string]][]);
}

/** A default as the table writes it: text, an object for one worked out, or none. */
function defaultOf(name: EnvName): unknown {
  return (ENVIRONMENT[name] as { default?: unknown }).default;
}

function problemOf<T>(checked: Checked<T>): string | undefined {
  return checked.problem;
}

function problemsOf<T>(parsed: Parsed<T>): readonly string[] | undefined {
  return parsed.problems;
}

describe('the checks: a wrong value is one sentence naming it', () => {
  it.each<[string, string | undefined, string]>([
    [
      'a whole number',
      problemOf(checkWholeNumber('--workers', '1.5', 0)),
      "--workers '1.5' must be a whole number ≥ 0",
    ],
    [
      'a whole number below its least',
      problemOf(checkWholeNumber('JOBS_CONCURRENCY', '0', 1)),
      "JOBS_CONCURRENCY '0' must be a whole number ≥ 1",
    ],
    [
      'a duration',
      problemOf(checkDuration('--stop-timeout', 'soon')),
      `--stop-timeout 'soon' is not a duration (${DURATION_EXAMPLES})`,
    ],
    [
      'an address',
      problemOf(checkMetricsAddr('JOBS_METRICS_ADDR', 'localhost')),
      "JOBS_METRICS_ADDR 'localhost' must be host:port or off",
    ],
    [
      'a switch',
      problemOf(checkOnOff('JOBS_WEB', 'On-ish')),
      "JOBS_WEB 'On-ish' must be on or off",
    ],
    [
      'a log level',
      problemOf(checkLogLevel('LOG_LEVEL', 'INFO')),
      "LOG_LEVEL 'INFO' must be one of trace, debug, info, warn, error, fatal, silent",
    ],
    [
      'a Redis URL',
      problemOf(checkRedisUrl('REDIS_URL', 'http://x')),
      "REDIS_URL 'http://x' must start with redis:// or rediss://",
    ],
    [
      'a host id',
      problemOf(checkHostId('JOBS_HOST_ID', 'a@b')),
      "JOBS_HOST_ID 'a@b' may hold only letters, digits, '.', '_' and '-'",
    ],
    [
      'a base path',
      problemOf(checkBasePath('JOBS_WEB_BASE_PATH', '/jobs/')),
      "JOBS_WEB_BASE_PATH '/jobs/' must start with '/' and not end with one (e.g. /jobs)",
    ],
  ])('%s', (_what, problem, sentence) => {
    expect(problem).toBe(sentence);
  });

  it('names every bad item of a list, each in its own sentence', () => {
    expect(problemsOf(parseNodes('REDIS_CLUSTER_NODES', 'a:1,b,[::1]:2,c:port'))).toEqual([
      "REDIS_CLUSTER_NODES item 'b' must be host:port",
      "REDIS_CLUSTER_NODES item 'c:port' must be host:port",
    ]);
    expect(problemsOf(parseRoles('JOBS_HOST_ROLES', 'Web, ops, a b'))).toEqual([
      "JOBS_HOST_ROLES item 'Web' may hold only lower-case letters, digits, '.', '_' and '-'",
      "JOBS_HOST_ROLES item 'a b' may hold only lower-case letters, digits, '.', '_' and '-'",
    ]);
  });

  it('accepts the good values it is given', () => {
    expect(checkOnOff('JOBS_WEB', 'YES')).toEqual({ value: true });
    expect(checkOnOff('JOBS_WEB', '0')).toEqual({ value: false });
    expect(parseNodes('REDIS_SENTINELS', ' a:1 ,[::1]:26379')).toEqual({
      value: [
        { host: 'a', port: 1 },
        { host: '::1', port: 26379 },
      ],
    });
    expect(parseRoles('JOBS_HOST_ROLES', 'web, reports,web,')).toEqual({
      value: ['reports', 'web'],
    });
  });
});

describe('loadSettings: the Redis variables that replace one another', () => {
  it('reads no Sentinels when Cluster nodes are set, even wrong ones', () => {
    expect(() =>
      loadSettings({}, { ...BASE, REDIS_CLUSTER_NODES: 'a,b:1', REDIS_SENTINELS: 'bad' }),
    ).toThrow(
      expect.objectContaining({ problems: ["REDIS_CLUSTER_NODES item 'a' must be host:port"] }),
    );
  });

  it('checks REDIS_URL even when a Cluster replaces it', () => {
    expect(() =>
      loadSettings({}, { REDIS_URL: 'x', REDIS_CLUSTER_NODES: 'a:1', JOBS_HOST_ID: 'w' }),
    ).toThrow(
      expect.objectContaining({
        problems: ["REDIS_URL 'x' must start with redis:// or rediss://"],
      }),
    );
  });
});

describe('the table of variables', () => {
  it('is what `jobs start --help` lists, in its order, each with its meaning', () => {
    const listed = startHelp();
    expect([...listed.keys()]).toEqual(NAMES);
    for (const name of NAMES) expect(listed.get(name)?.[0]).toBe(ENVIRONMENT[name].help);
    expect(listed.has('JOBS_VAR_DIR')).toBe(true);
  });

  it('gives, for a variable unset, what --help says its default is', () => {
    const listed = startHelp();
    const unset = loadSettings({}, BASE);
    const withDefaults = NAMES.filter((name) => typeof defaultOf(name) === 'string');
    expect(withDefaults.length).toBeGreaterThan(10);
    for (const name of withDefaults) {
      const shown = listed.get(name)?.[1] ?? '';
      expect(shown, name).not.toBe('');
      // The default as --help shows it, set by hand, must change nothing.
      expect(loadSettings({}, { ...BASE, [name]: shown }), name).toEqual(unset);
    }
  });

  it('works out the defaults that depend on the machine', () => {
    const listed = startHelp();
    expect(listed.get('JOBS_WORKERS')?.[1]).toBe('CPU count');
    expect(listed.get('JOBS_HOST_ID')?.[1]).toBe('the hostname');
    const settings = loadSettings({}, { REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(settings.workers).toBe(os.availableParallelism());
    expect(settings.hostId).toBe(os.hostname().replace(/[^A-Za-z0-9._-]/g, '-'));
  });

  it('is what .env.example lists, with the same defaults', () => {
    const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const example = new Map(
      [...text.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((match) => [match[1], match[2]] as const),
    );
    expect([...example.keys()].sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) {
      const fallback = defaultOf(name);
      // A default worked out on the machine is described in a comment, not set.
      expect(example.get(name), name).toBe(typeof fallback === 'string' ? fallback : '');
    }
  });
});

describe('the variables read before settings are loaded', () => {
  it('LOG_LEVEL: trimmed, and a wrong one is the default here (loadSettings names it)', () => {
    expect(readLogLevel({})).toBe('info');
    expect(readLogLevel({ LOG_LEVEL: ' debug ' })).toBe('debug');
    expect(readLogLevel({ LOG_LEVEL: 'verbose' })).toBe('info');
  });

  it('JOBS_LOG_FORMAT: as set, or none', () => {
    expect(logFormat({ JOBS_LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormat({ JOBS_LOG_FORMAT: '  ' })).toBeUndefined();
    expect(logFormat({})).toBeUndefined();
  });

  it('are read nowhere outside src/config', () => {
    const names = NAMES.join('|');
    const reading = new RegExp(`env(\\.|\\[['"\`])(${names})\\b`);
    const offenders = sourceFiles(path.join(ROOT, 'src'))
      .filter((file) => !file.includes(`${path.sep}config${path.sep}`))
      .filter((file) => reading.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}
