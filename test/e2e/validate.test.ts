import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';

const BAD = `defaults:
  timeout: forever
jobs:
  cleanup:
    schedule: "*/61 * * * *"
    command: ["true"]
    colour: blue
  both:
    schedule: "* * * * *"
    every: 10s
    command: "true"
  neither:
    every: 5s
  Bad_Name:
    command: "true"
  missing-module:
    module: ./nope.js
  no-function:
    module: ./not-a-handler.js
  zone:
    schedule: "@daily"
    timezone: Europe/Nowhere
    command: "true"
  bad-every:
    every: 3 weeks
    command: "true"
  bad-overlap:
    overlap: sometimes
    command: "true"
  two-handlers:
    command: "true"
    module: ./not-a-handler.js
`;

/** Each §3 error case, with the position of the value it is about. */
const EXPECTED = [
  "defaults.timeout at jobs.yaml:2:12: 'forever' is not a duration",
  "schedule '*/61 * * * *' of job 'cleanup' at jobs.yaml:5:15: minute 61 is out of range 0-59",
  "key 'colour' of job 'cleanup' at jobs.yaml:7:5: unknown key",
  "every of job 'both' at jobs.yaml:10:12: a job has either 'schedule' (cron) or 'every' (interval), not both",
  "job 'neither' at jobs.yaml:12:3: needs a 'command'",
  "job 'Bad_Name' at jobs.yaml:14:3: names are lower-case letters",
  "module './nope.js' of job 'missing-module' at jobs.yaml:17:13: no such file",
  "module './not-a-handler.js' of job 'no-function' at jobs.yaml:19:13: exports no function",
  "timezone 'Europe/Nowhere' of job 'zone' at jobs.yaml:22:15: unknown time zone",
  "every of job 'bad-every' at jobs.yaml:25:12: '3 weeks' is not a duration",
  "overlap of job 'bad-overlap' at jobs.yaml:28:14: must be one of forbid, allow",
  "module of job 'two-handlers' at jobs.yaml:32:13: a job has either a 'command' or a 'module', not both",
];

describe('jobs validate', () => {
  it('reports every error at once with file:line:col and exits 78', async () => {
    const dir = writeProject({ 'jobs.yaml': BAD, 'not-a-handler.js': 'export const value = 1;\n' });
    const result = await runCli(['validate', '--config', 'jobs.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    const lines = result.stderr.trim().split('\n');
    for (const expected of EXPECTED) {
      expect(
        lines.some((line) => line.includes(expected)),
        `missing: ${expected}\n${result.stderr}`,
      ).toBe(true);
    }
    expect(lines).toHaveLength(EXPECTED.length);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports YAML syntax errors and duplicate job names with their position', async () => {
    const dir = writeProject({
      'jobs.yaml': 'jobs:\n  a:\n    command: "true"\n  a:\n    command: "false"\n',
    });
    const result = await runCli(['validate', '--config', 'jobs.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^jobs\.yaml:4:3: .*unique/m);
  });

  it('accepts the examples', async () => {
    const result = await runCli(['validate', '--config', 'examples/jobs.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 jobs, valid');
  });

  it('a missing file exits 78 naming the file', async () => {
    const result = await runCli(['validate', '--config', '/nonexistent/jobs.yaml']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('/nonexistent/jobs.yaml: no such file');
  });

  it('jobs start with a bad file exits 78 and writes nothing to Redis', async () => {
    const dir = writeProject({ 'jobs.yaml': BAD, 'not-a-handler.js': 'export const value = 1;\n' });
    const prefix = uniquePrefix();
    const redisUrl = inject('redisUrl');
    const result = await runCli(
      ['start', '--config', path.join(dir, 'jobs.yaml'), '--workers', '0'],
      {
        cwd: dir,
        env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix },
      },
    );
    expect(result.code).toBe(78);
    const client = new Redis(redisUrl);
    try {
      expect(await client.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
