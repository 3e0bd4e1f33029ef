import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { eventually } from '../helpers/operator.js';
import { RestartProject, tally } from '../helpers/restarts.js';
import { Supervisord } from '../helpers/supervisor.js';

const redisUrl = inject('redisUrl');
const opened: { stop: () => Promise<unknown> }[] = [];

afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.stop();
});

const UNIT = fileURLToPath(new URL('../../deploy/systemd/jobs-daemon.service', import.meta.url));

describe('deploy/supervisor/jobs-workers.conf', () => {
  it('runs under supervisord; jobs restart has Supervisor restart every worker, no job lost', async () => {
    const project = new RestartProject(redisUrl);
    opened.push({ stop: () => project.stopAll() });
    const supervisor = new Supervisord(project.dir, project.env, 2);
    opened.push({ stop: () => supervisor.stop() });
    supervisor.start();
    const before = await project.waitForWorkers(2, 30_000);
    // The scheduler program (`jobs start --workers 0`) beats as a daemon.
    await eventually(async () => {
      const status = await project.json<{ processes: { role: string }[] }>(['status']);
      return status.processes.some((beat) => beat.role === 'daemon') ? true : undefined;
    });
    const ids = await project.enqueue(10, 1_000);
    await sleep(1_500);

    const restart = await project.jobs(['restart', '--wait', '30s']);
    expect(restart.stderr).toBe('');
    expect(restart.code).toBe(0);
    const after = await project.waitForWorkers(2);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    // Supervisor calls a program RUNNING once it has stayed up `startsecs` (1 s), which
    // can be after the new workers' first heartbeat.
    const states = await eventually(
      async () => {
        const now = [...supervisor.status().values()];
        return now.every((state) => state === 'RUNNING') ? now : undefined;
      },
      10_000,
      'every program RUNNING',
    );
    expect(states).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);

    const counts = await project.waitForCompleted(10);
    expect(counts.failed).toBe(0);
    const runs = project.runs();
    expect([...tally(runs.map((run) => run.id)).values()].every((n) => n === 1)).toBe(true);
    expect(new Set(runs.map((run) => run.id))).toEqual(new Set(ids));
  }, 120_000);
});

describe('deploy/systemd/jobs-daemon.service', () => {
  it('passes systemd-analyze verify', () => {
    // verify checks that ExecStart's program exists: point it at the built CLI.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-systemd-'));
    opened.push({ stop: async () => rmSync(dir, { recursive: true, force: true }) });
    const unit = path.join(dir, 'jobs-daemon.service');
    writeFileSync(
      unit,
      readFileSync(UNIT, 'utf8').replaceAll('/usr/local/bin/jobs', `${process.execPath} ${CLI}`),
    );
    const result = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('stops the daemon alone, with one SIGTERM, and waits longer than the stop timeout', () => {
    const text = readFileSync(UNIT, 'utf8');
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
    expect(value('KillMode')).toBe('mixed');
    expect(value('Restart')).toBe('always');
    expect(value('User')).not.toBe('root');
    expect(value('EnvironmentFile')).toBeDefined();
    const stopTimeout = Number(/--stop-timeout (\d+)s/.exec(value('ExecStart') ?? '')?.[1]);
    expect(Number(value('TimeoutStopSec'))).toBeGreaterThan(stopTimeout + 10);
  });
});
