import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject, type LogLine } from '../helpers/cli.js';
import {
  eventually,
  httpGet,
  parseSamples,
  startMetricsDaemon,
  valueOf,
} from '../helpers/metrics.js';

/**
 * The faults an operator meets with handlers, from the operator's side: what the log,
 * `jobs status`, `/metrics` and `jobs run-job` say, and how often each handler started
 * (a side-effect file with one line per start).
 */
const redisUrl = inject('redisUrl');

/** Appends one line per start to $STARTS_FILE: {name, id, attempt, pid, at}. */
const START_LINE = `appendFileSync(process.env.STARTS_FILE, JSON.stringify({ name: ctx.name, id: ctx.id, attempt: ctx.attempt, pid: process.pid, at: Date.now() }) + '\\n');`;
const handler = (body: string) =>
  `import { appendFileSync } from 'node:fs';\nexport default async function run(ctx) {\n  ${START_LINE}\n  ${body}\n}\n`;

interface Start {
  name: string;
  id: string;
  attempt: number;
  pid: number;
  at: number;
}

function readStarts(dir: string): Start[] {
  try {
    return readFileSync(path.join(dir, 'starts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Start);
  } catch {
    return [];
  }
}

const running: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop()));
});

function project(yaml: string, files: Record<string, string>) {
  const dir = writeProject({ 'jobs.yaml': yaml, ...files });
  const env = {
    REDIS_URL: redisUrl,
    JOBS_PREFIX: uniquePrefix(),
    STARTS_FILE: path.join(dir, 'starts.jsonl'),
  };
  const jobs = (args: string[], timeoutMs = 60_000) =>
    runCli([...args, '--config', path.join(dir, 'jobs.yaml')], { cwd: dir, env, timeoutMs });
  return { dir, env, jobs };
}

const timeOf = (line: LogLine) => Number(line.time);

describe('a handler that never yields', () => {
  it('fails at its timeout, takes one worker for one run, and the pool goes on', async () => {
    const { dir, env, jobs } = project(
      [
        'jobs:',
        '  spin:',
        '    module: ./spin.js',
        '    timeout: 3s',
        '  tick:',
        '    schedule: "* * * * * *"',
        '    module: ./tick.js',
      ].join('\n'),
      { 'spin.js': handler('for (;;) {}'), 'tick.js': handler('return { ok: true };') },
    );
    const { daemon, url } = await startMetricsDaemon({ dir, args: ['--workers', '2'], env });
    running.push(daemon);
    await eventually('a tick ran', async () =>
      readStarts(dir).some((start) => start.name === 'tick') ? true : undefined,
    );

    const requested = Date.now();
    const runJob = jobs(['run-job', 'spin'], 60_000);
    // While it spins: status and the gauge say which worker is blocked, and on what.
    const blocked = await eventually('jobs status shows a blocked worker', async () => {
      const result = await jobs(['status', '--json']);
      const status = JSON.parse(result.stdout) as {
        processes: { role: string; state?: string; pid: number; current: { name: string }[] }[];
      };
      return status.processes.find((p) => p.role === 'worker' && p.state === 'blocked');
    });
    expect(blocked.current.map((job) => job.name)).toEqual(['spin']);
    const blockedGauge = parseSamples((await httpGet(`${url}/metrics`)).text);
    expect(valueOf(blockedGauge, 'jobs_workers', { state: 'blocked' })).toBe(1);

    const result = await runJob;
    const failedAfterMs = Date.now() - requested;
    console.log(`blocking job failed ${failedAfterMs} ms after run-job (timeout 3s)`);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      "blocked the worker's event loop past its timeout of 3s",
    );
    expect(failedAfterMs).toBeLessThan(3_000 + 5_000 + 2_000); // timeout + 5 s, + CLI start

    // One start; the log names the job and the worker; the pool is whole again.
    expect(readStarts(dir).filter((start) => start.name === 'spin')).toHaveLength(1);
    const kill = await daemon.waitFor((line) => String(line.msg).startsWith('killing worker'));
    expect(kill.worker).toBe(blocked.pid);
    expect(String(kill.msg)).toContain('job spin');
    const killedAt = timeOf(kill);
    const replaced = await daemon.waitFor(
      (line) => line.msg === 'worker process started' && timeOf(line) >= killedAt,
    );
    expect(replaced.worker).not.toBe(blocked.pid);
    const samples = parseSamples((await httpGet(`${url}/metrics`)).text);
    expect(valueOf(samples, 'jobs_workers_killed_total', { reason: 'blocked' })).toBe(1);
    expect(valueOf(samples, 'jobs_workers', { state: 'blocked' })).toBe(0);

    // The per-second job kept running on the other worker, and runs on both again.
    const ticks = readStarts(dir).filter((start) => start.name === 'tick');
    const during = ticks.filter((t) => t.at > requested && t.at < killedAt);
    expect(during.length).toBeGreaterThanOrEqual(2);
    // The replacement consumes within seconds (its own "worker started" line).
    const consuming = await daemon.waitFor(
      (line) => line.msg === 'worker started' && line.pid === replaced.worker,
    );
    console.log(`replacement consuming ${timeOf(consuming) - killedAt} ms after the kill`);
    expect(timeOf(consuming) - killedAt).toBeLessThan(5_000);
    // Every tick ran at most once.
    const ids = ticks.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('a handler that never yields, in a worker with no daemon', () => {
  it('kills its own worker past the timeout, and is not started again beyond its attempts', async () => {
    const { dir, env, jobs } = project(
      ['jobs:', '  spin:', '    module: ./spin.js', '    timeout: 2s'].join('\n'),
      { 'spin.js': handler('for (;;) {}') },
    );
    const first = CliProcess.start(['work'], { cwd: dir, env });
    running.push(first);
    await first.waitFor((line) => line.msg === 'worker started');
    expect((await jobs(['run-job', 'spin', '--no-wait'])).code).toBe(0);
    const started = Date.now();
    await first.wait();
    console.log(`the blocked worker killed itself ${Date.now() - started} ms after the enqueue`);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(first.lines.some((line) => String(line.msg).includes('kills itself'))).toBe(true);
    // Its supervisor starts a new worker: the stalled check hands the run back, and with
    // its one attempt started, it fails instead of blocking again.
    const second = CliProcess.start(['work'], { cwd: dir, env });
    running.push(second);
    const failed = await second.waitFor(
      (line) =>
        line.job === 'spin' && line.msg !== undefined && String(line.msg).includes('failed'),
      40_000,
    );
    expect(String(failed.error)).toContain('not started again: all 1 of its attempts were started');
    expect(readStarts(dir)).toHaveLength(1);
  });
});

describe('a handler that exits its process', () => {
  it('is one failed attempt per start, failed at once, with the cause', async () => {
    const { dir, env, jobs } = project(
      [
        'jobs:',
        '  quit:',
        '    module: ./quit.js',
        '    attempts: 1',
        '  quit-twice:',
        '    module: ./quit.js',
        '    attempts: 2',
        '    backoff: 1s',
      ].join('\n'),
      { 'quit.js': handler('process.exit(1);') },
    );
    const daemon = CliProcess.start(['start', '--workers', '2'], { cwd: dir, env });
    running.push(daemon);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    const once = await jobs(['run-job', 'quit']);
    expect(once.code).toBe(1);
    expect(once.stdout + once.stderr).toMatch(
      /worker process \d+ exited with code 1 during the run/,
    );
    expect(readStarts(dir).filter((s) => s.name === 'quit')).toHaveLength(1);
    // Failed within 2 s of the exit, and the log says which job the crash took.
    const exited = await daemon.waitFor((line) => line.msg === 'worker process exited (crash)');
    const failed = await daemon.waitFor((line) => line.job === 'quit' && line.willRetry === false);
    console.log(`crashed run failed ${timeOf(failed) - timeOf(exited)} ms after the exit`);
    expect(timeOf(failed) - timeOf(exited)).toBeLessThan(2_000);
    expect(failed.worker).toBe(exited.worker);

    const twice = await jobs(['run-job', 'quit-twice']);
    expect(twice.code).toBe(1);
    const starts = readStarts(dir).filter((s) => s.name === 'quit-twice');
    expect(starts.map((s) => s.attempt)).toEqual([1, 2]);
    const listed = JSON.parse((await jobs(['failed', '--json'])).stdout) as {
      name: string;
      attempts: number;
    }[];
    expect(listed.find((row) => row.name === 'quit-twice')?.attempts).toBe(2);
  });
});

describe('a run guard that cannot decide', () => {
  it('does not skew the active count: a stop still waits for the running job', async () => {
    const { dir, env, jobs } = project(
      [
        'jobs:',
        '  guarded:',
        '    module: ./fast.js',
        '    overlap: forbid',
        '  slow:',
        '    module: ./slow.js',
      ].join('\n'),
      {
        'fast.js': handler('return 1;'),
        'slow.js': handler('await new Promise((r) => setTimeout(r, 3000)); return 2;'),
      },
    );
    // The overlap lock's key holds a list: the guard's script fails with WRONGTYPE.
    const redis = new Redis(redisUrl);
    await redis.rpush(`${env.JOBS_PREFIX}:meta:running:guarded`, 'not a lock');
    redis.disconnect();
    const worker = CliProcess.start(['work', '--concurrency', '1'], { cwd: dir, env });
    running.push(worker);
    await worker.waitFor((line) => line.msg === 'worker started');

    expect((await jobs(['run-job', 'guarded'])).code).toBe(1);
    expect((await jobs(['run-job', 'slow', '--no-wait'])).code).toBe(0);
    await eventually('slow started', async () =>
      readStarts(dir).some((s) => s.name === 'slow') ? true : undefined,
    );
    worker.signal('SIGTERM');
    expect(await worker.wait()).toBe(0);
    const history = JSON.parse((await jobs(['history', 'slow', '--json'])).stdout) as {
      status: string;
    }[];
    expect(history.map((run) => run.status)).toEqual(['completed']);
    expect(readStarts(dir).filter((s) => s.name === 'slow')).toHaveLength(1);
  });
});

describe('a stop during start-up', () => {
  it('is honoured while the daemon waits for the sync lock', async () => {
    const { dir, env } = project('jobs:\n  a:\n    every: 1m\n    module: ./a.js\n', {
      'a.js': handler('return 1;'),
    });
    const redis = new Redis(redisUrl);
    await redis.set(`${env.JOBS_PREFIX}:meta:sync-lock`, 'another daemon', 'PX', 60_000);
    redis.disconnect();
    const daemon = CliProcess.start(['start', '--workers', '1'], { cwd: dir, env });
    running.push(daemon);
    await daemon.waitFor((line) => line.msg === 'redis ready');
    const asked = Date.now();
    daemon.signal('SIGTERM');
    expect(await daemon.wait()).toBe(0);
    console.log(`stopped ${Date.now() - asked} ms after SIGTERM during the sync`);
    expect(Date.now() - asked).toBeLessThan(5_000);
  });
});
