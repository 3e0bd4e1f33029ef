import { writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import type { CliProcess } from '../helpers/cli.js';
import { readRuns } from '../helpers/fixtures.js';
import { httpGet, parseSamples, valueOf } from '../helpers/metrics.js';
import { eventually, switchableProjects, type OperatorProject } from '../helpers/operator.js';
import type { RunRecord } from '../../src/runs/records.js';

const redisUrl = inject('redisUrl');
const newProject = switchableProjects(redisUrl);

type HistoryEntry = Omit<RunRecord, 'startedAt'> & { startedAt: string };

interface ListEntry {
  name: string;
  enabled: boolean;
  disabled: null | { by: string; operator?: string; reason?: string; at?: string };
}

const JOBS_YAML = [
  'jobs:',
  '  heartbeat:',
  '    every: 1s',
  '    module: ./flaky.js',
  '  report:',
  '    module: ./flaky.js',
  '  retired:',
  '    enabled: false',
  '    module: ./flaky.js',
  '',
].join('\n');

const REASON = 'disk full on db1';

/** What the handler (SWITCHABLE_HANDLER) appends for each run it makes. */
interface RunLine {
  name: string;
  id: string;
  started: number;
}

/** A daemon with one worker and metrics on a port of its own choosing; its base URL. */
async function startDaemon(project: OperatorProject): Promise<{ daemon: CliProcess; url: string }> {
  const daemon = project.startDaemon(['--workers', '1', '--metrics-addr', '127.0.0.1:0']);
  const line = await daemon.waitFor((l) => l.msg === 'metrics listening');
  return { daemon, url: String(line.url) };
}

async function enabledGauge(url: string, job: string): Promise<number | undefined> {
  return valueOf(parseSamples((await httpGet(`${url}/metrics`)).text), 'jobs_enabled', {
    job_name: job,
  });
}

describe('jobs disable / jobs enable', () => {
  it('skips the ticks on every restart until enabled, refuses run-job unless --force, and says who and why', async () => {
    const project = newProject(JOBS_YAML);
    const runs = () => readRuns(project.env.RUNS_FILE as string) as unknown as RunLine[];
    const ticksRun = () => runs().filter((run) => run.id.startsWith('repeat:heartbeat:'));
    const history = () => project.json<HistoryEntry[]>(['history', 'heartbeat', '--limit', '200']);
    const skippedSince = async (since: number) =>
      (await history()).filter(
        (entry) => entry.status === 'skipped' && Date.parse(entry.startedAt) >= since,
      );

    let { url } = await startDaemon(project);
    await eventually(async () => (ticksRun().length > 0 ? true : undefined), 20_000, 'a tick');
    expect(await enabledGauge(url, 'heartbeat')).toBe(1);
    expect(await enabledGauge(url, 'retired')).toBe(0); // the file's switch

    const disabled = await project.jobs(['disable', 'heartbeat', '--reason', REASON]);
    expect(disabled).toMatchObject({ code: 0, stderr: '' });
    expect(disabled.stdout).toBe(`disabled heartbeat for every host: ${REASON}\n`);
    const disabledAt = Date.now();

    // Ticks go on being made, each recorded as skipped with the reason, and none runs.
    const firstSkips = await eventually(
      async () => {
        const skipped = await skippedSince(disabledAt);
        return skipped.length >= 1 ? skipped : undefined;
      },
      15_000,
      'a skipped tick',
    );
    const runsAtFirstSkip = ticksRun().length;
    const skipped = await eventually(
      async () => {
        const all = await skippedSince(disabledAt);
        return all.length >= firstSkips.length + 3 ? all : undefined;
      },
      15_000,
      'three more skipped ticks',
    );
    for (const entry of skipped) expect(entry.detail).toBe(`disabled by an operator: ${REASON}`);
    expect(ticksRun().length).toBe(runsAtFirstSkip);
    const ranIds = new Set(runs().map((run) => run.id));
    expect(skipped.filter((entry) => ranIds.has(entry.id))).toEqual([]);
    expect(await enabledGauge(url, 'heartbeat')).toBe(0);
    expect(await enabledGauge(url, 'report')).toBe(1);

    // Who, why and when, in the listing.
    const list = await project.json<ListEntry[]>(['list']);
    const heartbeat = list.find((entry) => entry.name === 'heartbeat');
    expect(heartbeat?.enabled).toBe(false);
    expect(heartbeat?.disabled).toMatchObject({ by: 'operator', reason: REASON });
    expect(heartbeat?.disabled?.operator).toMatch(/^.+@.+$/);
    expect(Math.abs(Date.parse(heartbeat?.disabled?.at ?? '') - disabledAt)).toBeLessThan(5_000);
    expect(list.find((entry) => entry.name === 'report')).toMatchObject({
      enabled: true,
      disabled: null,
    });
    expect(list.find((entry) => entry.name === 'retired')).toMatchObject({
      enabled: false,
      disabled: { by: 'file' },
    });
    const table = await project.table(['list']);
    const row = table.find((cells) => cells[0] === 'heartbeat');
    expect(row?.[3]).toMatch(new RegExp(`^no: ${REASON} — .+@.+, \\d+s ago$`));
    expect(table.find((cells) => cells[0] === 'retired')?.[3]).toBe('no (file)');

    // Run now: refused with who and why (exit 1), run with --force.
    const refused = await project.jobs(['run-job', 'heartbeat']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      new RegExp(`^jobs: job 'heartbeat' was disabled by .+@.+ at .+: ${REASON}; pass --force`),
    );
    const onDemand = () => runs().filter((run) => !run.id.startsWith('repeat:'));
    expect(onDemand()).toEqual([]);
    const forced = await project.jobs(['run-job', 'heartbeat', '--force']);
    expect(forced.code).toBe(0);
    expect(onDemand().map((run) => run.name)).toEqual(['heartbeat']);

    // The job leaves the file (a sync deletes its schedule and record) and comes back,
    // each time with a new daemon that re-syncs: the switch stays.
    await project.stopAll();
    writeFileSync(project.config, JOBS_YAML.replace(/ {2}heartbeat:\n.*\n.*\n/, ''));
    const without = project.startDaemon(['--workers', '0']);
    await without.waitFor((line) => line.msg === 'schedules synced');
    expect((await project.json<ListEntry[]>(['list'])).map((entry) => entry.name)).toEqual([
      'report',
      'retired',
    ]);
    await project.stopAll();
    writeFileSync(project.config, JOBS_YAML);
    const restartedAt = Date.now();
    ({ url } = await startDaemon(project));
    const runsBeforeRestart = ticksRun().length;
    await eventually(
      async () => ((await skippedSince(restartedAt)).length >= 2 ? true : undefined),
      20_000,
      'ticks skipped after the restart',
    );
    expect(ticksRun().length).toBe(runsBeforeRestart);
    expect(await enabledGauge(url, 'heartbeat')).toBe(0);

    const enabled = await project.jobs(['enable', 'heartbeat']);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toMatch(
      new RegExp(`^enabled heartbeat \\(it was disabled by .+@.+ \\d+s ago: ${REASON}\\)\\n$`),
    );
    const enabledAt = Date.now();
    await eventually(
      async () => (ticksRun().some((run) => run.started > enabledAt) ? true : undefined),
      15_000,
      'a tick run after enable',
    );
    expect(await enabledGauge(url, 'heartbeat')).toBe(1);
    const again = await project.jobs(['enable', 'heartbeat']);
    expect(again).toMatchObject({ code: 0, stdout: 'heartbeat was not disabled\n' });
  });

  it('exits 2 for a name the synced definitions do not know, suggesting the nearest', async () => {
    const project = newProject(JOBS_YAML);
    const daemon = project.startDaemon(['--workers', '0']);
    await daemon.waitFor((line) => line.msg === 'schedules synced');
    for (const command of ['disable', 'enable']) {
      const result = await project.jobs([command, 'hearbeat']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        "jobs: no job named 'hearbeat' (did you mean 'heartbeat'?); known jobs: heartbeat, report, retired\n",
      );
    }
    // Nothing was written for the unknown name: enable accepts any name that has a switch.
    expect((await project.jobs(['enable', 'hearbeat'])).code).toBe(2);
  });
});
