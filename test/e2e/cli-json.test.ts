import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { readRuns } from '../helpers/fixtures.js';
import { eventually, switchableProjects } from '../helpers/operator.js';

const redisUrl = inject('redisUrl');
const newProject = switchableProjects(redisUrl);
const makeProject = () =>
  newProject(`jobs:
  flaky:
    module: ./flaky.js
    attempts: 2
    backoff: 100ms
    data: { sleepMs: 20 }
  steady:
    every: 1h
    module: ./flaky.js
`);

/** `2026-12-03T03:00:00.123Z`: what every time in --json looks like. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function expectIso(value: unknown, what: string): void {
  expect(value, what).toMatch(ISO);
}

interface Row {
  id: string;
  attempts: number;
  [key: string]: unknown;
}

describe('--json: ISO-8601 UTC times and nested JSON in every listing', () => {
  it('history, pending, failed, list, status, pause and run-job', async () => {
    const project = makeProject();
    const daemon = project.startDaemon(['--workers', '1']);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    const ok = await project.jobs(['run-job', 'flaky', '--json']);
    expect(ok.code).toBe(0);
    const run = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(run).toMatchObject({ name: 'flaky', status: 'completed', summary: { ok: true } });
    expectIso(run.startedAt, 'run-job startedAt');
    expectIso(run.finishedAt, 'run-job finishedAt');

    const history = await project.json<Record<string, unknown>[]>(['history', 'flaky']);
    expect(history).toHaveLength(1);
    expectIso(history[0]?.startedAt, 'history startedAt');
    // The summary is JSON in the document, not a string holding JSON.
    expect(history[0]?.detail).toEqual({ ok: true });

    const list = await project.json<{ name: string; nextRuns: unknown[]; lastRun: unknown }[]>([
      'list',
    ]);
    const flaky = list.find((row) => row.name === 'flaky');
    expectIso((flaky?.lastRun as { startedAt: unknown }).startedAt, 'list lastRun.startedAt');
    expectIso(list.find((row) => row.name === 'steady')?.nextRuns[0], 'list nextRuns');

    const status = await project.json<{ processes: Record<string, unknown>[] }>(['status']);
    expect(status.processes.length).toBeGreaterThan(0);
    for (const beat of status.processes) {
      expectIso(beat.startedAt, 'status startedAt');
      expectIso(beat.beatAt, 'status beatAt');
    }

    const tick = await eventually(async () => {
      const pending = await project.json<Record<string, unknown>[]>(['pending']);
      return pending.find((row) => row.name === 'steady' && row.state === 'delayed');
    });
    expectIso(tick?.since, 'pending since');
    expectIso(tick?.due, 'pending due');

    const paused = await project.json<Record<string, unknown>[]>(['pause']);
    expectIso(paused[0]?.since, 'pause since');
    await project.json(['resume']);

    writeFileSync(project.env.FAIL_FLAG as string, '');
    expect((await project.jobs(['run-job', 'flaky'])).code).toBe(1);
    const failed = await project.json<Record<string, unknown>[]>(['failed']);
    expectIso(failed[0]?.failedAt, 'failed failedAt');
    const errors = await project.json<Record<string, unknown>[]>(['history', 'flaky']);
    expect(errors[0]).toMatchObject({
      status: 'failed',
      detail: 'module ./flaky.js threw: disk full on /srv',
    });
  });

  it('jobs retry ID gives a job that failed its attempts all of them again', async () => {
    const project = makeProject();
    writeFileSync(project.env.FAIL_FLAG as string, '');
    let daemon = project.startDaemon(['--workers', '1', '--no-scheduler']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    const run = await project.jobs(['run-job', 'flaky']);
    expect(run.code).toBe(1);
    expect(readRuns(project.env.RUNS_FILE as string)).toHaveLength(2);
    const [failed] = await project.json<Row[]>(['failed']);
    expect(failed).toMatchObject({ name: 'flaky', attempts: 2 });

    // With no worker running, the retried job waits with its attempts set back to none.
    await project.stopAll();
    const retry = await project.jobs(['retry', failed!.id]);
    expect(retry).toMatchObject({ code: 0, stderr: '' });
    const pending = await project.json<Row[]>(['pending']);
    expect(pending).toMatchObject([{ id: failed!.id, state: 'waiting', attempts: 0 }]);

    // Still failing: it runs twice more (2 attempts, not 1), then fails with 2 attempts.
    daemon = project.startDaemon(['--workers', '1', '--no-scheduler']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    const again = await eventually(async () => {
      const rows = await project.json<Row[]>(['failed']);
      return rows.length === 1 && readRuns(project.env.RUNS_FILE as string).length >= 4
        ? rows
        : undefined;
    });
    expect(again).toMatchObject([{ id: failed!.id, attempts: 2 }]);
    expect(readRuns(project.env.RUNS_FILE as string)).toHaveLength(4);

    // Fixed: one more retry succeeds at its first new attempt.
    rmSync(project.env.FAIL_FLAG as string);
    expect((await project.jobs(['retry', failed!.id])).code).toBe(0);
    const history = await eventually(async () => {
      const rows = await project.json<{ status: string; attempt: number }[]>(['history', 'flaky']);
      return rows[0]?.status === 'completed' ? rows : undefined;
    });
    expect(history[0]).toMatchObject({ status: 'completed', attempt: 1 });
  });
});
