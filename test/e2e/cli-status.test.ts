import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix, writeProject } from '../helpers/cli.js';
import { eventually, OperatorProject, SWITCHABLE_HANDLER } from '../helpers/operator.js';
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_MS,
  type ProcessBeat,
} from '../../src/heartbeat/heartbeat.js';
import type { QueueCounts } from '../../src/queue/inspect.js';

const redisUrl = inject('redisUrl');
const projects: OperatorProject[] = [];

afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.stopAll()));
});

interface Status {
  processes: ProcessBeat[];
  queues: QueueCounts[];
}

describe('jobs status', () => {
  it('lists the daemon and its workers, and drops a killed worker within the heartbeat timeout', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  tick:\n    every: 1s\n    module: ./job.js\n`,
      'job.js': SWITCHABLE_HANDLER,
    });
    const project = new OperatorProject(dir, uniquePrefix(), redisUrl);
    projects.push(project);
    const daemon = project.startDaemon(['--workers', '2']);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    const status = await eventually(async () => {
      const current = await project.json<Status>(['status']);
      return current.processes.length === 3 ? current : undefined;
    });
    const [daemonBeat] = status.processes.filter((beat) => beat.role === 'daemon');
    expect(daemonBeat?.pid).toBe(daemon.pid);
    const workers = status.processes.filter((beat) => beat.role === 'worker');
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(worker.parentPid).toBe(daemon.pid);
    expect(status.queues).toMatchObject([{ queue: 'default', paused: false }]);

    // The table shows the same processes (then, after a blank line, the queues).
    const result = await project.jobs(['status']);
    const pids = result.stdout
      .split('\n\n')[0]!
      .split('\n')
      .slice(1)
      .map((line) => Number(line.trim().split(/\s{2,}/)[1]));
    expect(pids.sort()).toEqual(status.processes.map((beat) => beat.pid).sort());

    const victim = workers[0] as ProcessBeat;
    process.kill(victim.pid, 'SIGKILL');
    const killedAt = Date.now();
    await eventually(
      async () => {
        const current = await project.json<Status>(['status']);
        return current.processes.some((beat) => beat.pid === victim.pid) ? undefined : true;
      },
      HEARTBEAT_TTL_MS + HEARTBEAT_INTERVAL_MS,
      'the killed worker leaving jobs status',
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(HEARTBEAT_TTL_MS + 2_000);
    // The daemon restarted it: three live processes again, the new worker beating.
    await eventually(async () => {
      const current = await project.json<Status>(['status']);
      return current.processes.length === 3 ? true : undefined;
    });
  });
});
