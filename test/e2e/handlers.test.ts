import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER } from '../helpers/fixtures.js';
import { isRunning } from '../helpers/process.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix();
const DEFINITIONS = `jobs:
  record:
    module: ./record.js
  throws:
    module: ./record.js
    data: { fail: "disk full" }
  exits-3:
    command: 'echo working; echo "no such table" >&2; exit 3'
  env-check:
    command: ['sh', '-c', 'echo "$JOB_NAME $JOB_ATTEMPT $JOB_DATA $GREETING"']
    env: { GREETING: hello }
  slow-tree:
    # A child that would outlive a plain kill of the shell: its pid is written down first.
    command: 'sleep 300 & echo $! > child.pid; wait'
    timeout: 1s
  waits-for-abort:
    module: ./wait-abort.js
    timeout: 500ms
  retried-fixed:
    module: ./record.js
    data: { fail: "try again" }
    attempts: 3
    backoff: 1s
  retried-exponential:
    module: ./record.js
    data: { fail: "try again" }
    attempts: 3
    backoff: { type: exponential, delay: 400ms }
`;

let dir: string;
let worker: CliProcess;
const env = () => ({
  REDIS_URL: redisUrl,
  JOBS_PREFIX: prefix,
  RUNS_FILE: path.join(dir, 'runs.jsonl'),
});
const runJob = (...args: string[]) =>
  runCli(['run-job', '--config', 'jobs.yaml', ...args], { cwd: dir, env: env() });

beforeAll(async () => {
  dir = writeProject({
    'jobs.yaml': DEFINITIONS,
    'record.js': RECORDING_HANDLER,
    // Waits for ctx.signal, then notes that (and why) it fired.
    'wait-abort.js': `import { writeFileSync } from 'node:fs';
export default (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
  writeFileSync('aborted.txt', String(ctx.signal.reason && ctx.signal.reason.message));
  reject(new Error('gave up'));
}));
`,
  });
  worker = CliProcess.start(['work', '--config', 'jobs.yaml', '--concurrency', '4'], {
    cwd: dir,
    env: env(),
  });
  await worker.waitFor((line) => line.msg === 'worker started');
});

afterAll(async () => {
  expect(await worker.stop()).toBe(0);
});

describe('handlers', () => {
  it('runs a module job and prints its summary', async () => {
    const result = await runJob('record', '--data', '{"n":1}');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^record \d+ completed in \d+ms \(attempt 1\)\n\{"ok":true,"attempt":1\}/,
    );
    expect(
      readRuns(path.join(dir, 'runs.jsonl')).filter((run) => run.name === 'record'),
    ).toHaveLength(1);
  });

  it('fails a module that throws, saying which module and why', async () => {
    const result = await runJob('throws');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("job 'throws'");
    expect(result.stderr).toContain('module ./record.js threw: disk full');
  });

  it('fails a command that exits non-zero with its code and last stderr line, and keeps the output', async () => {
    const result = await runJob('exits-3', '--json');
    expect(result.code).toBe(1);
    const printed = JSON.parse(result.stdout) as { error: string; id: string };
    expect(printed.error).toBe(
      'command \'echo working; echo "no such table" >&2; exit 3\' exited with code 3: no such table',
    );
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    try {
      const { logs } = await queue.getJobLogs(printed.id);
      expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({
        exitCode: 3,
        stdout: 'working\n',
        stderr: 'no such table\n',
      });
    } finally {
      await queue.close();
    }
  });

  it('gives a command JOB_NAME, JOB_ATTEMPT, JOB_DATA and its env', async () => {
    const result = await runJob('env-check', '--data', '{"batch":5}', '--json');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { summary: { stdout: string; exitCode: number } };
    expect(printed.summary).toEqual({
      exitCode: 0,
      stdout: 'env-check 1 {"batch":5} hello\n',
      stderr: '',
    });
  });

  it('kills the whole process group of a command that times out', async () => {
    const result = await runJob('slow-tree');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('timed out after 1s');
    const pidFile = path.join(dir, 'child.pid');
    expect(existsSync(pidFile)).toBe(true);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    expect(childPid).toBeGreaterThan(0);
    await sleep(300);
    expect(isRunning(childPid), `the command's child ${childPid} survived the timeout`).toBe(false);
  });

  it("fires a module's ctx.signal at its timeout", async () => {
    const result = await runJob('waits-for-abort');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('timed out after 500ms');
    expect(readFileSync(path.join(dir, 'aborted.txt'), 'utf8')).toContain('timed out after 500ms');
  });

  it('retries with a fixed backoff', async () => {
    const result = await runJob('retried-fixed');
    expect(result.code).toBe(1);
    const runs = readRuns(path.join(dir, 'runs.jsonl')).filter(
      (run) => run.name === 'retried-fixed',
    );
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    const gaps = runs.slice(1).map((run, i) => run.at - (runs[i] as { at: number }).at);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThan(2_500);
    }
  });

  it('retries with an exponential backoff', async () => {
    const result = await runJob('retried-exponential');
    expect(result.code).toBe(1);
    const runs = readRuns(path.join(dir, 'runs.jsonl')).filter(
      (run) => run.name === 'retried-exponential',
    );
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    const [first, second] = runs
      .slice(1)
      .map((run, i) => run.at - (runs[i] as { at: number }).at) as [number, number];
    expect(first).toBeGreaterThanOrEqual(400);
    expect(second).toBeGreaterThanOrEqual(800);
    expect(second).toBeGreaterThan(first);
  });

  it('fails a job whose name has no definition at once and keeps it in the failed list', async () => {
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    try {
      // As another language's BullMQ client would enqueue it.
      const job = await queue.add('ghost', { x: 1 }, { attempts: 3 });
      let state = '';
      for (let i = 0; i < 100 && state !== 'failed'; i++) {
        await sleep(100);
        state = await job.getState();
      }
      expect(state).toBe('failed');
      const failed = await queue.getJob(job.id as string);
      expect(failed?.failedReason).toMatch(
        /^no job named 'ghost' in .*jobs\.yaml; known jobs: env-check, exits-3, record/,
      );
      expect(failed?.attemptsMade).toBe(1);
      expect((await queue.getFailed()).map((entry) => entry.id)).toContain(job.id);
    } finally {
      await queue.close();
    }
  });

  it('refuses an unknown name in run-job with exit 2, listing the names', async () => {
    const result = await runJob('nope');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no job named 'nope'");
    expect(result.stderr).toContain('env-check, exits-3, record');
  });
});
