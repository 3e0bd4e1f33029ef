import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RestartProject, tally } from '../helpers/restarts.js';

const redisUrl = inject('redisUrl');
const projects: RestartProject[] = [];

afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.stopAll()));
});

/** SOAK=1 runs the same test with 10 restarts instead of 3. */
const RESTARTS = process.env.SOAK === '1' ? 10 : 3;
const JOBS = 30;

describe('jobs restart', () => {
  it(`restarts every worker ${RESTARTS} times mid-run without losing, repeating or failing a job`, async () => {
    const project = new RestartProject(redisUrl);
    projects.push(project);
    const daemon = project.startDaemon(['--workers', '2']);
    await daemon.waitFor((line) => line.msg === 'daemon started');
    let pids = await project.waitForWorkers(2);
    const seen = new Set(pids);
    const ids = await project.enqueue(JOBS, 1_000);

    for (let round = 1; round <= RESTARTS; round++) {
      await sleep(500);
      const result = await project.jobs(['restart', '--wait', '20s']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/all 2 workers replaced/);
      const next = await project.waitForWorkers(2);
      // Every worker's pid changed: none of the new ones was there before.
      expect(next.filter((pid) => seen.has(pid))).toEqual([]);
      for (const pid of next) seen.add(pid);
      pids = next;
    }

    const counts = await project.waitForCompleted(JOBS);
    expect(counts.failed).toBe(0);
    const runs = project.runs();
    // Each job ran exactly once: a graceful restart lets the running one finish.
    expect([...tally(runs.map((run) => run.id)).entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(runs.map((run) => run.id))).toEqual(new Set(ids));
    expect(runs.every((run) => run.attempt === 1)).toBe(true);
    // The daemon replaced its workers because they exited to restart, never as crashes.
    const exits = daemon.lines.filter((line) => line.msg?.startsWith('worker process exited'));
    expect(exits.map((line) => line.reason)).toEqual(Array(2 * RESTARTS).fill('restart'));
    expect(seen.size).toBe(2 * (RESTARTS + 1));
  }, 180_000);
});
