import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns } from '../helpers/fixtures.js';
import { eventually, OperatorProject, SWITCHABLE_HANDLER } from '../helpers/operator.js';
import type { PendingRow } from '../../src/queue/inspect.js';
import type { RunRecord } from '../../src/runs/records.js';

const redisUrl = inject('redisUrl');
const projects: OperatorProject[] = [];

afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.stopAll()));
});

interface RunLine {
  name: string;
  id: string;
  started: number;
  ended: number;
}

describe('jobs pause and resume', () => {
  it('lets the running job finish, starts nothing, records the ticks as skipped, and resumes', async () => {
    const dir = writeProject({
      'jobs.yaml': [
        'jobs:',
        '  tick:',
        '    schedule: "* * * * * *"',
        '    module: ./job.js',
        '  slow:',
        '    module: ./job.js',
        '    data: { sleepMs: 3000 }',
        '',
      ].join('\n'),
      'job.js': SWITCHABLE_HANDLER,
    });
    const project = new OperatorProject(dir, uniquePrefix(), redisUrl);
    projects.push(project);
    const runs = () => readRuns(project.env.RUNS_FILE as string) as unknown as RunLine[];
    const daemon = project.startDaemon(['--workers', '1', '--concurrency', '2']);
    await daemon.waitFor((line) => line.msg === 'job tick completed');

    expect((await project.jobs(['run-job', 'slow', '--no-wait'])).code).toBe(0);
    await daemon.waitFor((line) => line.msg === 'job slow started');
    const pauseStart = Date.now();
    expect((await project.jobs(['pause'])).code).toBe(0);
    const pausedAt = Date.now(); // the pause holds once the command has returned
    const pausedTable = await project.table(['status']);
    expect(pausedTable.some((row) => row[0] === 'default' && row[1] === 'yes')).toBe(true);

    // An on-demand run enqueued during the pause waits.
    expect((await project.jobs(['run-job', 'tick', '--no-wait'])).code).toBe(0);
    await sleep(4_000);
    const pending = await project.json<PendingRow[]>(['pending']);
    expect(pending.some((row) => row.state === 'paused' && row.name === 'tick')).toBe(true);
    expect((await project.table(['pending'])).map((row) => row[0])).toEqual(
      pending.map((row) => row.id),
    );

    const resumedAt = Date.now();
    // The slow run, started before the pause, finished during it; nothing else started.
    const slow = runs().find((run) => run.name === 'slow');
    expect(slow?.ended).toBeGreaterThan(pauseStart);
    expect(slow?.ended).toBeLessThan(resumedAt);
    // A tick takes no time: one that had started since the pause would be recorded by now.
    expect(runs().filter((run) => run.name === 'tick' && run.started > pausedAt)).toEqual([]);

    expect((await project.jobs(['resume'])).code).toBe(0);
    const resumeDone = Date.now();
    await eventually(
      async () =>
        runs().some((run) => run.name === 'tick' && run.started > resumedAt + 1000)
          ? true
          : undefined,
      10_000,
      'a tick after resume',
    );

    const history = await project.json<(Omit<RunRecord, 'startedAt'> & { startedAt: string })[]>([
      'history',
      'tick',
      '--limit',
      '100',
    ]);
    const skipped = history.filter((entry) => entry.status === 'skipped');
    // About four ticks fell in the pause: each is recorded skipped, once.
    expect(skipped.length).toBeGreaterThanOrEqual(3);
    expect(new Set(skipped.map((entry) => entry.id)).size).toBe(skipped.length);
    for (const entry of skipped) {
      expect(Date.parse(entry.startedAt)).toBeGreaterThan(pauseStart - 1000);
      expect(Date.parse(entry.startedAt)).toBeLessThan(resumeDone + 1000);
      expect(entry.detail).toBe('queue paused');
    }
    // None of them ran late: no scheduled tick that was due in the pause has run.
    const skippedIds = new Set(skipped.map((entry) => entry.id));
    expect(runs().filter((run) => skippedIds.has(run.id))).toEqual([]);
    // The on-demand run enqueued during the pause ran after the resume.
    expect(
      history.some((entry) => entry.status === 'completed' && !entry.id.startsWith('repeat:')),
    ).toBe(true);
  });
});
