import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import {
  readRuns,
  RECORDING_HANDLER,
  tickOf,
  waitForRuns,
  type RunRecord,
} from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';

const redisUrl = inject('redisUrl');
let hosts: TestHosts | undefined;

afterEach(async () => {
  await hosts?.stopAll();
});

const job = (name: string, roles: string, runOn: string) =>
  `  ${name}:\n    schedule: "*/2 * * * * *"\n    roles: [${roles}]\n    runOn: ${runOn}\n    module: ./record.js\n`;

/** Hosts that ran each tick of `name` due in [from, to). */
function hostsPerTick(runs: RunRecord[], name: string, from: number, to: number) {
  const ticks = new Map<number, string[]>();
  for (const run of runs) {
    const tick = tickOf(run);
    if (run.name !== name || tick < from || tick >= to) continue;
    ticks.set(tick, [...(ticks.get(tick) ?? []), run.host ?? '?'].sort());
  }
  return ticks;
}

describe('roles', () => {
  it('runs a job only on hosts with one of its roles, and records as skipped the ticks no live host can run', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n${job('web-all', 'web', 'all')}${job('reports-one', 'reports', 'one')}${job('nightly', 'nightly', 'one')}${job('nightly-all', 'nightly', 'all')}`,
      'record.js': RECORDING_HANDLER,
    });
    const prefix = uniquePrefix();
    hosts = new TestHosts({ dir, prefix, redisEnv: { REDIS_URL: redisUrl } });
    const daemons = [
      hosts.start('host-a', 1, { JOBS_HOST_ROLES: 'web' }),
      hosts.start('host-b', 1, { JOBS_HOST_ROLES: 'web' }),
      hosts.start('host-c', 1, { JOBS_HOST_ROLES: 'reports' }),
    ];
    await Promise.all(daemons.map((d) => d.waitFor((line) => line.msg === 'daemon started')));
    // Both web hosts' own schedulers exist once each has run a tick of web-all.
    const deadline = Date.now() + 20_000;
    const bothWebHosts = () =>
      new Set(
        readRuns(hosts?.runsFile ?? '')
          .filter((run) => run.name === 'web-all')
          .map((run) => run.host),
      ).size === 2;
    while (Date.now() < deadline && !bothWebHosts()) await sleep(200);
    const from = Date.now() + 2_000;
    // Four settled ticks (due over a second ago, every host's run of them started) of each
    // job that runs; by then the nightly jobs, on the same every-2s schedule since the
    // start, have had as many ticks recorded skipped.
    const settled = (runs: RunRecord[], name: string) =>
      hostsPerTick(runs, name, from, Date.now() - 1_000).size >= 4;
    await waitForRuns(
      hosts.runsFile,
      (runs) => settled(runs, 'web-all') && settled(runs, 'reports-one'),
      { timeoutMs: 30_000, what: 'four settled ticks of web-all and of reports-one' },
    );
    const to = Date.now() - 1_000;
    const env = {
      REDIS_URL: redisUrl,
      JOBS_PREFIX: prefix,
      JOBS_CONFIG: path.join(dir, 'jobs.yaml'),
    };
    const list = await runCli(['list', '--json'], { cwd: dir, env });
    const status = await runCli(['status', '--json'], { cwd: dir, env });
    const statusTable = await runCli(['status'], { cwd: dir, env });
    // On demand: run-job enqueues into the role queue; another BullMQ client's plain job
    // in the shared queue runs on host-c too, handed over (as fwd-from-php) when a web
    // host took it.
    const runJob = await runCli(['run-job', 'reports-one', '--json'], { cwd: dir, env });
    const foreign = new Queue('default', { connection: { url: redisUrl }, prefix });
    await foreign.add('reports-one', {}, { jobId: 'from-php' });
    await foreign.close();
    const handedOver = Date.now() + 10_000;
    const ranForeign = () =>
      readRuns(hosts?.runsFile ?? '').some((run) => run.id.endsWith('from-php'));
    while (Date.now() < handedOver && !ranForeign()) await sleep(200);
    await hosts.stopAll();

    const runs = readRuns(hosts.runsFile);
    const webAll = hostsPerTick(runs, 'web-all', from, to);
    const reports = hostsPerTick(runs, 'reports-one', from, to);
    const describe = (ticks: Map<number, string[]>) =>
      [...ticks.values()].map((ran) => ran.join('+')).join(', ');
    console.log(
      `web-all per tick: ${describe(webAll)}\nreports-one per tick: ${describe(reports)}`,
    );
    expect(webAll.size).toBeGreaterThanOrEqual(4);
    for (const ran of webAll.values()) expect(ran).toEqual(['host-a', 'host-b']);
    expect(reports.size).toBeGreaterThanOrEqual(4);
    for (const ran of reports.values()) expect(ran).toEqual(['host-c']);
    expect(runs.filter((run) => run.name === 'web-all' && run.host === 'host-c')).toEqual([]);
    expect(runs.filter((run) => run.name.startsWith('nightly'))).toEqual([]);
    expect(runJob.code).toBe(0);
    const onDemand = runs.filter(
      (run) => run.name === 'reports-one' && !run.id.startsWith('repeat:'),
    );
    expect(
      onDemand
        .map((run) => [run.id.endsWith('from-php') ? 'from-php' : 'run-job', run.host])
        .sort(),
    ).toEqual([
      ['from-php', 'host-c'],
      ['run-job', 'host-c'],
    ]);

    const rows = JSON.parse(list.stdout) as { name: string; noLiveHost: string | null }[];
    const reason = (name: string) => rows.find((row) => row.name === name)?.noLiveHost;
    expect(reason('nightly')).toBe('no live host has role nightly');
    expect(reason('nightly-all')).toBe('no live host has role nightly');
    expect(reason('web-all')).toBeNull();
    expect(reason('reports-one')).toBeNull();
    const statusJson = JSON.parse(status.stdout) as {
      unserved: { name: string }[];
      queues: { queue: string; completed: number }[];
    };
    const unserved = statusJson.unserved;
    // Ticks the web hosts took were handed to the reports hosts' role queue.
    const roleQueue = statusJson.queues.find((q) => q.queue === 'default%reports');
    console.log(`reports-one ticks handed over through default%reports: ${roleQueue?.completed}`);
    expect(roleQueue?.completed).toBeGreaterThan(0);
    expect(unserved.map((entry) => entry.name).sort()).toEqual(['nightly', 'nightly-all']);

    // The table shows each host's roles under HOST ROLES, and the jobs no host can run.
    const [header, ...rowsOfC] = statusTable.stdout
      .split('\n\n')[0]!
      .split('\n')
      .filter((line, index) => index === 0 || line.startsWith('host-c'))
      .map((line) => line.trim().split(/\s{2,}/));
    const rolesColumn = (header ?? []).indexOf('HOST ROLES');
    expect(rolesColumn).toBeGreaterThan(0);
    expect(rowsOfC.length).toBeGreaterThan(0);
    for (const row of rowsOfC) expect(row[rolesColumn]).toBe('reports');
    expect(statusTable.stdout).toMatch(/nightly\s+nightly\s+no live host has role nightly/);

    for (const name of ['nightly', 'nightly-all']) {
      const history = await runCli(['history', name, '--json'], { cwd: dir, env });
      const records = JSON.parse(history.stdout) as { status: string; detail: unknown }[];
      const skipped = records.filter((record) => record.status === 'skipped');
      console.log(`${name}: ${skipped.length} ticks recorded skipped`);
      expect(skipped.length).toBeGreaterThanOrEqual(4);
      expect(records.filter((record) => record.status !== 'skipped')).toEqual([]);
      expect(JSON.stringify(skipped[0]?.detail)).toContain('no live host has role nightly');
    }
  }, 60_000);

  it('jobs validate names bad roles with their position; a bad JOBS_HOST_ROLES exits 78', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  none:\n    every: 5s\n    roles: []\n    command: "true"\n  upper:\n    every: 5s\n    roles: [web, Web]\n    command: "true"\n`,
    });
    const result = await runCli(['validate', '--config', 'jobs.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      "roles of job 'none' at jobs.yaml:4:12: roles must name at least one role",
    );
    expect(result.stderr).toContain(
      "roles.1 of job 'upper' at jobs.yaml:8:18: role names are lower-case letters",
    );
    const start = await runCli(['start', '--workers', '0', '--config', 'jobs.yaml'], {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_HOST_ROLES: 'web,Reports' },
    });
    expect(start.code).toBe(78);
    expect(start.stderr).toContain("JOBS_HOST_ROLES item 'Reports'");
  });
});
