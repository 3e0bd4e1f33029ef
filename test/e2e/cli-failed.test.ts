import { writeFileSync, rmSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { readRuns } from '../helpers/fixtures.js';
import { eventually, switchableProjects } from '../helpers/operator.js';
import type { FailedRow } from '../../src/queue/inspect.js';
import type { RunRecord } from '../../src/runs/records.js';

/** A run in `history --json`: its time in ISO-8601, a completed run's summary as JSON. */
type HistoryJson = Omit<RunRecord, 'startedAt' | 'detail'> & { startedAt: string; detail: unknown };

const redisUrl = inject('redisUrl');
const newProject = switchableProjects(redisUrl);
const makeProject = () =>
  newProject(`jobs:\n  flaky:\n    module: ./flaky.js\n    data: { sleepMs: 50 }\n`);

describe('jobs failed, retry, prune and history', () => {
  it('lists a failure by its first line, retries it, prunes, and shows history newest first', async () => {
    const project = makeProject();
    writeFileSync(project.env.FAIL_FLAG as string, '');
    const daemon = project.startDaemon(['--workers', '1']);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    const run = await project.jobs(['run-job', 'flaky']);
    expect(run.code).toBe(1);

    const failed = await project.json<FailedRow[]>(['failed']);
    expect(failed).toHaveLength(1);
    const [job] = failed as [FailedRow];
    expect(job).toMatchObject({
      name: 'flaky',
      queue: 'default',
      error: 'module ./flaky.js threw: disk full on /srv',
    });
    const table = await project.table(['failed']);
    expect(table.map((row) => row[0])).toEqual([job.id]);
    expect(table[0]?.at(-1)).toBe('module ./flaky.js threw: disk full on /srv');

    // The cause is fixed: the retry runs the job again, and it succeeds.
    rmSync(project.env.FAIL_FLAG as string);
    const retry = await project.jobs(['retry', job.id]);
    expect(retry.code).toBe(0);
    await eventually(async () => {
      const rows = await project.json<FailedRow[]>(['failed']);
      return rows.length === 0 && readRuns(project.env.RUNS_FILE as string).length === 2
        ? true
        : undefined;
    });

    // Two more failures, then prune with no grace empties the list.
    writeFileSync(project.env.FAIL_FLAG as string, '');
    expect((await project.jobs(['run-job', 'flaky'])).code).toBe(1);
    expect((await project.jobs(['run-job', 'flaky'])).code).toBe(1);
    expect(await project.json<FailedRow[]>(['failed'])).toHaveLength(2);
    const prune = await project.jobs(['prune', '--failed', '0s']);
    expect(prune.code).toBe(0);
    expect(await project.json<FailedRow[]>(['failed'])).toEqual([]);
    expect((await project.jobs(['failed'])).stdout).toBe('no failed jobs\n');

    const history = await project.json<HistoryJson[]>(['history', 'flaky']);
    expect(history.map((entry) => entry.status)).toEqual([
      'failed',
      'failed',
      'completed',
      'failed',
    ]);
    for (let i = 1; i < history.length; i++)
      expect(Date.parse(history[i - 1]!.startedAt)).toBeGreaterThanOrEqual(
        Date.parse(history[i]!.startedAt),
      );
    // The handler sleeps 50 ms; Node's timers run on the event loop's cached clock, which
    // can be a millisecond behind Date.now(), so a 50 ms timer can measure 49.
    for (const entry of history) expect(entry.durationMs).toBeGreaterThanOrEqual(48);
    expect(history[0]?.detail).toBe('module ./flaky.js threw: disk full on /srv');
    expect(history[2]?.detail).toEqual({ ok: true });
    const rows = await project.table(['history', 'flaky']);
    expect(rows.map((row) => [row[0], row[2]])).toEqual(
      history.map((entry) => [entry.id, entry.status]),
    );

    const list = await project.json<{ name: string; lastRun: { status: string } | null }[]>([
      'list',
    ]);
    expect(list).toMatchObject([{ name: 'flaky', lastRun: { status: 'failed' } }]);
  });

  it('exits 2 with a suggestion for unknown commands and flags, and for an unknown job', async () => {
    const project = makeProject();
    const typo = await project.jobs(['faild']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean failed?');
    const flag = await project.jobs(['failed', '--limt', '5']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('Did you mean --limit?');
    const unknown = await project.jobs(['history', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^jobs: no job named 'nope'/);
    const retry = await project.jobs(['retry']);
    expect(retry.code).toBe(2);
    const help = await project.jobs(['failed', '--help']);
    expect(help.stdout).toContain('--limit');
    expect(help.stdout).toContain('REDIS_URL');
  });
});
