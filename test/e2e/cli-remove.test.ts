import { writeFileSync, rmSync } from 'node:fs';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { eventually, switchableProjects, type OperatorProject } from '../helpers/operator.js';
import type { PendingRow } from '../../src/queue/inspect.js';

const redisUrl = inject('redisUrl');
const newProject = switchableProjects(redisUrl);
const queues: Queue[] = [];

afterEach(async () => {
  await Promise.allSettled(queues.splice(0).map((queue) => queue.close()));
});

/** The project's `default` queue, as an application with a BullMQ client sees it. */
function bullQueue(project: OperatorProject): Queue {
  const queue = new Queue('default', {
    connection: { url: redisUrl },
    prefix: project.env.JOBS_PREFIX as string,
  });
  queues.push(queue);
  return queue;
}

const JOBS_YAML = 'jobs:\n  work:\n    module: ./flaky.js\n';

describe('jobs remove', () => {
  it('removes a waiting, a delayed and a failed run, refuses the running one and names unknown ids', async () => {
    const project = newProject(JOBS_YAML);
    const queue = bullQueue(project);
    project.startDaemon(['--workers', '1', '--concurrency', '1']);

    // A failed run: the handler fails while the flag file exists.
    writeFileSync(project.env.FAIL_FLAG as string, '');
    const failedRun = await project.jobs(['run-job', 'work', '--json']);
    expect(failedRun.code).toBe(1);
    const failedId = (JSON.parse(failedRun.stdout) as { id: string }).id;
    rmSync(project.env.FAIL_FLAG as string);

    // A running one holds the only worker slot, so the next one waits.
    const active = await project.jobs([
      'run-job',
      'work',
      '--no-wait',
      '--data',
      '{"sleepMs":10000}',
    ]);
    const activeId = active.stdout.trim();
    await eventually(
      async () => {
        const pending = await project.json<PendingRow[]>(['pending']);
        return pending.some((row) => row.id === activeId && row.state === 'active')
          ? true
          : undefined;
      },
      10_000,
      'the long run to start',
    );
    const waitingId = (await project.jobs(['run-job', 'work', '--no-wait'])).stdout.trim();
    const delayed = await queue.add('work', {}, { delay: 3_600_000 });

    const result = await project.jobs([
      'remove',
      waitingId,
      delayed.id as string,
      failedId,
      activeId,
      'no-such-run',
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      removed: [waitingId, delayed.id, failedId],
      active: [activeId],
      missing: ['no-such-run'],
      scheduled: [],
    });
    expect(result.stderr).toBe(
      `jobs: not removed: ${activeId} running now (a running job is never removed); no run no-such-run in queue 'default'\n`,
    );

    const pending = await project.json<PendingRow[]>(['pending']);
    expect(pending.map((row) => [row.id, row.state])).toEqual([[activeId, 'active']]);
    expect(await project.json<unknown[]>(['failed'])).toEqual([]);
    for (const id of [waitingId, delayed.id as string, failedId])
      expect(await queue.getJobState(id)).toBe('unknown');

    // Without --json: one line per removed run, exit 0 when all went.
    const another = await queue.add('work', {}, { delay: 3_600_000 });
    const plain = await project.jobs(['remove', another.id as string]);
    expect(plain).toMatchObject({ code: 0, stdout: `removed ${another.id}\n`, stderr: '' });
  });

  it('--all-failed removes thousands of failed runs and nothing else', async () => {
    const project = newProject(JOBS_YAML);
    const queue = bullQueue(project);
    // Runs of a name with no definition fail at once and are kept in the failed list.
    const count = 3_000;
    await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'ghost', data: { i } })));
    project.startDaemon(['--workers', '1', '--concurrency', '4']);
    await eventually(
      async () => ((await queue.getFailedCount()) === count ? true : undefined),
      60_000,
      `${count} failed runs`,
    );
    const kept = await queue.add('work', {}, { delay: 3_600_000 });

    const result = await project.jobs(['remove', '--all-failed', '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ removedFailed: count });
    expect(await queue.getFailedCount()).toBe(0);
    expect(await queue.getJobState(kept.id as string)).toBe('delayed');

    const none = await project.jobs(['remove', '--all-failed']);
    expect(none).toMatchObject({ code: 0, stdout: 'removed 0 failed runs\n' });
    const both = await project.jobs(['remove', 'x', '--all-failed']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      'jobs: name the runs to remove by id, or pass --all-failed (not both)\n',
    );
  });
});
