import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess, isJob } from '../helpers/cli.js';
import { eventually } from '../helpers/operator.js';
import { RestartProject } from '../helpers/restarts.js';

const redisUrl = inject('redisUrl');
const projects: RestartProject[] = [];

afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.stopAll()));
});

function setup(extraYaml = ''): RestartProject {
  const project = new RestartProject(redisUrl, extraYaml);
  projects.push(project);
  return project;
}

function startWorker(project: RestartProject, extra: string[] = []): CliProcess {
  const worker = CliProcess.start(['work', '--config', project.config, ...extra], {
    cwd: project.dir,
    env: project.env,
  });
  project.running.push(worker);
  return worker;
}

describe('signals to a worker', () => {
  it('SIGTERM while the worker is still starting: it takes no job and exits 0', async () => {
    // A handler module that takes 3 s to load holds the worker in its start-up (the
    // definitions are checked, modules imported, before it consumes), after writing a
    // marker: the signal surely lands between the CLI's first line and the consumers.
    const project = setup('  slow-to-load:\n    module: ./slow.js\n');
    writeFileSync(
      path.join(project.dir, 'slow.js'),
      "import { writeFileSync } from 'node:fs';\n" +
        "writeFileSync(new URL('./loading', import.meta.url), '');\n" +
        'await new Promise((resolve) => setTimeout(resolve, 3000));\n' +
        'export default async () => {};\n',
    );
    const [id] = await project.enqueue(1, 10);
    const worker = startWorker(project);
    await eventually(
      async () => existsSync(path.join(project.dir, 'loading')) || undefined,
      20_000,
      'the slow module to start loading',
    );
    worker.signal('SIGTERM');
    expect(await worker.wait()).toBe(0);
    expect(await (await project.queue.getJob(id as string))?.getState()).toBe('waiting');
    expect(project.runs()).toEqual([]);
  });

  it('SIGTERM mid-job: the job completes, no new one starts, exit 0', async () => {
    const project = setup();
    const [first, second] = await project.enqueue(2, 2_000);
    const worker = startWorker(project);
    await worker.waitFor(isJob('sleepy', 'job sleepy started'));
    worker.signal('SIGTERM');
    expect(await worker.wait()).toBe(0);
    expect(await (await project.queue.getJob(first as string))?.getState()).toBe('completed');
    expect(await (await project.queue.getJob(second as string))?.getState()).toBe('waiting');
    expect(project.runs().map((run) => run.id)).toEqual([first]);
  });

  it('past --stop-timeout the job is aborted and put back, its attempt not counted', async () => {
    const project = setup();
    const [id] = await project.enqueue(1, 4_000);
    const worker = startWorker(project, ['--stop-timeout', '1s']);
    await worker.waitFor(isJob('sleepy', 'job sleepy started'));
    worker.signal('SIGTERM');
    expect(await worker.wait()).toBe(0);
    expect(worker.count((line) => line.msg === 'job sleepy completed')).toBe(0);
    const job = await project.queue.getJob(id as string);
    expect(['waiting', 'delayed']).toContain(await job?.getState());
    expect(job?.attemptsMade).toBe(0);

    // The next worker runs it from the start, still as the first attempt.
    const next = startWorker(project, ['--once']);
    expect(await next.wait()).toBe(0);
    expect(await (await project.queue.getJob(id as string))?.getState()).toBe('completed');
    expect(project.runs().map((run) => [run.id, run.attempt])).toEqual([
      [id, 1],
      [id, 1],
    ]);
  });

  it('a second signal aborts the running job at once', async () => {
    const project = setup();
    const [id] = await project.enqueue(1, 60_000);
    const worker = startWorker(project, ['--stop-timeout', '60s']);
    await worker.waitFor(isJob('sleepy', 'job sleepy started'));
    worker.signal('SIGTERM');
    await worker.waitFor((line) => line.msg === 'worker stopping');
    worker.signal('SIGINT');
    // Well before the 60s stop timeout and the 60s job: the second signal forced it.
    const exited = await Promise.race([
      worker.wait(),
      new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000)),
    ]);
    expect(exited).toBe(0);
    const job = await project.queue.getJob(id as string);
    expect(['waiting', 'delayed']).toContain(await job?.getState());
    expect(job?.attemptsMade).toBe(0);
  });
});

describe('a worker killed outright', () => {
  it('SIGKILL mid-job: the run fails at once as an attempt, and its retry runs on another worker', async () => {
    const project = setup();
    const daemon = project.startDaemon(['--workers', '2']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    await project.waitForWorkers(2);
    const [id] = await project.enqueue(1, 3_000, { attempts: 2 });
    const [first] = await eventually(async () => {
      const runs = project.runs();
      return runs.length > 0 ? runs : undefined;
    });
    process.kill(first?.pid as number, 'SIGKILL');
    const killedAt = Date.now();
    const again = await eventually(
      async () => project.runs().find((run) => run.pid !== first?.pid),
      30_000,
      'the killed job running again',
    );
    const recoveredInMs = Date.now() - killedAt;
    expect(again).toMatchObject({ id, attempt: 2 });
    expect(recoveredInMs).toBeLessThanOrEqual(3_000);
    console.log(`SIGKILL mid-job: attempt 2 started ${recoveredInMs} ms after the kill`);
    await project.waitForCompleted(1);
    const failure = await daemon.waitFor(
      (line) => line.job === 'sleepy' && line.willRetry === true,
    );
    expect(failure.error).toBe(
      `worker process ${first?.pid} was killed by SIGKILL (kill -9, or the kernel's OOM killer) during the run`,
    );
    // The daemon saw a crash and replaced the worker.
    await daemon.waitFor((line) => line.msg === 'worker process exited (crash)');
    await project.waitForWorkers(2);
  });
});

describe('worker recycling', () => {
  it('--max-jobs 5: each worker runs exactly 5 jobs, exits 0 and the daemon replaces it', async () => {
    const project = setup();
    await project.enqueue(12, 50);
    const daemon = project.startDaemon(['--workers', '1', '--max-jobs', '5']);
    await project.waitForCompleted(12);
    const byPid = new Map<number, number>();
    for (const run of project.runs()) byPid.set(run.pid, (byPid.get(run.pid) ?? 0) + 1);
    expect([...byPid.values()]).toEqual([5, 5, 2]);
    const exits = daemon.lines.filter((line) => line.msg?.startsWith('worker process exited'));
    expect(exits.map((line) => [line.reason, line.code])).toEqual([
      ['max-jobs', 0],
      ['max-jobs', 0],
    ]);
  });
});

describe('jobs run (cron mode)', () => {
  it('--once processes one job; without it, everything due, then exits 0', async () => {
    const project = setup();
    await project.enqueue(3, 0);
    const once = await project.jobs(['run', '--once']);
    expect(once.code).toBe(0);
    expect(project.runs()).toHaveLength(1);
    expect((await project.queue.getJobCounts()).waiting).toBe(2);

    const all = await project.jobs(['run']);
    expect(all.code).toBe(0);
    expect(project.runs()).toHaveLength(3);
    expect(await project.queue.getJobCounts()).toMatchObject({ waiting: 0, completed: 3 });
  });

  it('jobs work --stop-when-empty exits 0 once the queue is drained', async () => {
    const project = setup();
    await project.enqueue(4, 0);
    const worker = startWorker(project, ['--stop-when-empty']);
    expect(await worker.wait()).toBe(0);
    expect(project.runs()).toHaveLength(4);
  });
});
