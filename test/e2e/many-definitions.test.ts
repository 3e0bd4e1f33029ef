import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLI, CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { MANY_HANDLER, manyDefinitions, manyJobName } from '../helpers/many-definitions.js';

/**
 * 10,000 definitions (a 5 MB file): every one synced, none lost, the sync's log line
 * short, and `jobs list --json` complete even through a pipe read slowly. The timings
 * are in the bench (bench/definitions.ts); this checks what must hold whatever the speed.
 */
const redisUrl = inject('redisUrl');
const JOBS = 10_000;
const SCHEDULED = (JOBS * 3) / 4; // every fourth job is on demand
const env = { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix() };
const dir = writeProject({ 'jobs.yaml': manyDefinitions(JOBS), 'handler.js': MANY_HANDLER });
const running: CliProcess[] = [];

afterAll(async () => {
  for (const daemon of running) await daemon.stop();
});

describe('10,000 definitions', () => {
  it('syncs every one, logs a short line naming a few, and lists them all', async () => {
    const daemon = CliProcess.start(['start', '--workers', '0', '--config', 'jobs.yaml'], {
      cwd: dir,
      env,
    });
    running.push(daemon);
    const synced = await daemon.waitFor((line) => line.msg === 'schedules synced', 90_000);
    expect(synced).toMatchObject({ jobs: JOBS, added: SCHEDULED, changed: 0, removed: 0 });
    expect(synced.summary).toBe(
      `${JOBS} jobs: ${SCHEDULED} added (${[1, 2, 4, 5, 6, 8, 9, 10, 12, 13].map(manyJobName).join(', ')}, … and ${SCHEDULED - 10} more)`,
    );
    expect(Math.max(...daemon.lines.map((line) => JSON.stringify(line).length))).toBeLessThan(4096);

    const client = new Redis(redisUrl);
    try {
      expect(await client.hlen(`${env.JOBS_PREFIX}:meta:definitions`)).toBe(JOBS);
      let schedulers = 0;
      for (const queue of ['default', 'reports', 'files'])
        schedulers += await client.zcard(`${env.JOBS_PREFIX}:${queue}:repeat`);
      expect(schedulers).toBe(SCHEDULED);
    } finally {
      client.disconnect();
    }

    // A reader that waits before reading: the 5 MB document must still arrive whole.
    const { stdout } = await promisify(execFile)(
      'sh',
      ['-c', `"${process.execPath}" "${CLI}" list --json --config jobs.yaml | (sleep 1; cat)`],
      { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
    );
    const rows = JSON.parse(stdout) as { name: string; nextRuns: string[] }[];
    expect(rows).toHaveLength(JOBS);
    expect(rows.filter((row) => row.nextRuns.length === 1)).toHaveLength(SCHEDULED);
    expect(new Set(rows.map((row) => row.name)).size).toBe(JOBS);
  }, 180_000);
});
