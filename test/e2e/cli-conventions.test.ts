import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess, runCli, writeProject } from '../helpers/cli.js';
import { switchableProjects } from '../helpers/operator.js';
import { TestRedis } from '../helpers/redis-server.js';

const redisUrl = inject('redisUrl');
const newProject = switchableProjects(redisUrl);
const makeProject = (jobs = `jobs:\n  flaky:\n    module: ./flaky.js\n`, url?: string) =>
  newProject(jobs, url);

describe('run-job', () => {
  it('prints a failure once: the outcome on stdout, the error on stderr', async () => {
    const project = makeProject();
    writeFileSync(project.env.FAIL_FLAG as string, '');
    const daemon = project.startDaemon(['--workers', '1']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    const run = await project.jobs(['run-job', 'flaky']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^flaky \d+ failed in \d+(\.\d+)?m?s \(attempt 1\)\n$/);
    const id = /^flaky (\d+)/.exec(run.stdout)?.[1];
    expect(run.stderr).toBe(
      `jobs: job 'flaky' (${id}) failed: module ./flaky.js threw: disk full on /srv\n`,
    );
  });
});

describe('the definitions file, in our words', () => {
  it('names an empty command list and a module with a syntax error by their place', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  x:\n    command: []\n  y:\n    command: ["pg_dump", ""]\n  broken:\n    module: ./broken.js\n`,
      'broken.js': 'export default async function run() {\n  const x = ;\n  return x;\n}\n',
    });
    const result = await runCli(['validate', '--config', 'jobs.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      "command of job 'x' at jobs.yaml:3:14: an empty list; name the program to run, as in [pg_dump, mydb]",
      "command of job 'y' at jobs.yaml:5:14: argument 2 is empty",
      "module './broken.js' of job 'broken' at jobs.yaml:7:13: could not be loaded: broken.js:2:13: SyntaxError: Unexpected token ';'",
    ]);
  });

  it('gives the line and column of a module that ends too soon', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  cut:\n    module: ./cut.js\n`,
      'cut.js': 'export default async function run() {\n  return { ok: true };\n',
    });
    const result = await runCli(['validate', '--config', 'jobs.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toBe(
      "module './cut.js' of job 'cut' at jobs.yaml:3:13: could not be loaded: cut.js:3:1: SyntaxError: Unexpected end of input\n",
    );
  });
});

/** The variables .env.example documents: every one is some command's setting. */
function exampleVariables(): string[] {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.env.example');
  return [...readFileSync(file, 'utf8').matchAll(/^([A-Z_]+)=/gm)].map(
    (match) => match[1] as string,
  );
}

describe('--help lists the environment each command reads', () => {
  const REDIS = [
    'REDIS_URL',
    'REDIS_CLUSTER_NODES',
    'REDIS_SENTINELS',
    'REDIS_SENTINEL_MASTER',
    'REDIS_USERNAME',
    'REDIS_PASSWORD',
    'REDIS_TLS',
    'JOBS_PREFIX',
    'JOBS_VAR_DIR',
    'JOBS_CONFIG',
    'LOG_LEVEL',
  ];
  const PROCESS = [
    ...REDIS,
    'JOBS_HOST_ID',
    'JOBS_HOST_ROLES',
    'JOBS_LOG_FORMAT',
    'JOBS_STOP_TIMEOUT',
  ];

  it.each([
    ['start', [...PROCESS, ...exampleVariables()]],
    ['work', [...PROCESS, 'JOBS_CONCURRENCY', 'JOBS_METRICS_TOKEN']],
    ['run', [...PROCESS, 'JOBS_CONCURRENCY', 'JOBS_FAILED_RETENTION', 'JOBS_COMPLETED_RETENTION']],
    ['run-job', [...REDIS, 'JOBS_FAILED_RETENTION', 'JOBS_COMPLETED_RETENTION']],
    ['prune', [...REDIS, 'JOBS_FAILED_RETENTION', 'JOBS_COMPLETED_RETENTION']],
    ['restart', REDIS],
    ['list', REDIS],
    ['pending', REDIS],
    ['failed', REDIS],
    ['retry', REDIS],
    ['history', REDIS],
    ['pause', REDIS],
    ['resume', REDIS],
    ['status', REDIS],
    ['validate', ['JOBS_CONFIG', 'LOG_LEVEL']],
  ])('%s', async (command, names) => {
    const help = await runCli([command, '--help']);
    expect(help.code).toBe(0);
    const listed = [...help.stdout.matchAll(/^ {2}([A-Z][A-Z_]+) {2}/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual([...new Set(names)].sort());
  });
});

describe('a Redis that may evict keys', () => {
  const servers: TestRedis[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.destroy()));
  });

  it('is warned about once, in our words', async () => {
    const server = await TestRedis.start({ persistence: false });
    servers.push(server);
    const admin = new Redis(server.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    admin.disconnect();
    const evicting = makeProject(undefined, server.url);
    const daemon: CliProcess = evicting.startDaemon(['--workers', '2']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    // The workers open their BullMQ connections when they take a job.
    expect((await evicting.jobs(['run-job', 'flaky'])).code).toBe(0);
    expect(await daemon.stop()).toBe(0);
    const logged = daemon.lines.filter((line) => JSON.stringify(line).includes('allkeys-lru'));
    expect(logged.map((line) => line.msg)).toEqual([
      "Redis maxmemory-policy is 'allkeys-lru', not 'noeviction': under memory pressure Redis may delete job keys and lose jobs; set maxmemory-policy noeviction",
    ]);
    expect(daemon.stderr).toBe('');
  });
});

describe('durations', () => {
  it('print in one style: no trailing zeros', async () => {
    const project = makeProject();
    const prune = await project.jobs(['prune', '--failed', '1500ms', '--completed', '5.004s']);
    expect(prune.code).toBe(0);
    expect(prune.stdout.split('\n')[0]).toBe(
      'deleted failed jobs older than 1.5s and completed ones older than 5.004s',
    );
  });
});
