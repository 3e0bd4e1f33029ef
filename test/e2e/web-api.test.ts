import { writeFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { OperatorProject, SWITCHABLE_HANDLER } from '../helpers/operator.js';
import { startWebDaemon, until, webRequest, type WebAnswer } from '../helpers/web.js';

/**
 * The admin page's API against a real daemon (subprocess) on the private test Redis, as
 * the page and an API client use it: every endpoint's observed effect.
 */
const redisUrl = inject('redisUrl');

const JOBS_YAML = `
jobs:
  greet:
    module: ./flaky.js
  flaky:
    module: ./flaky.js
  ticker:
    every: 1h
    module: ./flaky.js
  nightly:
    schedule: "0 3 * * *"
    timezone: Europe/Berlin
    command: ["true"]
  printer:
    command: "for i in $(seq 1 16); do echo line $i; sleep 0.4; done"
  old:
    enabled: false
    module: ./flaky.js
`;

let project: OperatorProject;
let daemon: CliProcess;
let base: string;
let csrf: string;

const get = <T = Record<string, unknown>>(path: string) => webRequest<T>('GET', `${base}${path}`);
const post = <T = Record<string, unknown>>(path: string, body: unknown = {}) =>
  webRequest<T>('POST', `${base}${path}`, { body, csrf });

interface RunRow {
  id: string;
  name: string;
  status: string;
  detail: string;
  host: string | null;
  attempt: number;
}

beforeAll(async () => {
  const dir = writeProject({ 'jobs.yaml': JOBS_YAML, 'flaky.js': SWITCHABLE_HANDLER });
  project = new OperatorProject(dir, uniquePrefix(), redisUrl);
  project.env.JOBS_HOST_ID = 'web-test-host';
  ({ daemon, url: base } = await startWebDaemon(project, ['--workers', '1', '--concurrency', '3']));
  const session = await get<{ csrf: string }>('/api/session');
  csrf = session.body.csrf;
  await until('the worker is up', async () => {
    const workers = await get<{ hosts: { processes: { role: string }[] }[] }>('/api/workers');
    return workers.body.hosts[0]?.processes.some((p) => p.role === 'worker');
  });
}, 60_000);

afterAll(async () => {
  await project?.stopAll();
});

describe('reading', () => {
  it('GET api/session names the role, the CSRF token, the base path and the host', async () => {
    const session = await get('/api/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ role: 'admin', basePath: '', host: 'web-test-host' });
    expect(session.body.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.headers.get('cache-control')).toBe('no-store');
  });

  it('GET api/jobs lists the synced definitions with schedules in words, next runs and state', async () => {
    const answer = await get<{ total: number; jobs: Record<string, unknown>[] }>('/api/jobs');
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBe(6);
    expect(answer.body.jobs.map((job) => job.name)).toEqual([
      'flaky',
      'greet',
      'nightly',
      'old',
      'printer',
      'ticker',
    ]);
    const byName = new Map(answer.body.jobs.map((job) => [job.name, job]));
    expect(byName.get('nightly')).toMatchObject({
      schedule: { kind: 'cron', cron: '0 3 * * *', words: 'At 03:00' },
      timezone: 'Europe/Berlin',
      handler: { kind: 'command', text: 'true' },
      enabled: true,
      disabled: null,
    });
    const nextRuns = byName.get('nightly')?.nextRuns as string[];
    expect(nextRuns).toHaveLength(3);
    // 03:00 in Berlin is 01:00 or 02:00 UTC, a day apart each.
    for (const time of nextRuns) expect(time).toMatch(/T0[12]:00:00\.000Z$/);
    expect(Date.parse(nextRuns[1] as string) - Date.parse(nextRuns[0] as string)).toBeGreaterThan(
      22 * 3_600_000,
    );
    expect(byName.get('ticker')).toMatchObject({
      schedule: { kind: 'every', every: '1h', words: 'every 1h' },
      handler: { kind: 'module', text: './flaky.js' },
    });
    expect(byName.get('greet')).toMatchObject({ schedule: { kind: 'manual' }, nextRuns: [] });
    expect(byName.get('old')).toMatchObject({ enabled: false, disabled: { by: 'file' } });
  });

  it('GET api/jobs pages and searches by name', async () => {
    const page = await get<{ total: number; jobs: { name: string }[] }>(
      '/api/jobs?offset=2&limit=2',
    );
    expect(page.body.total).toBe(6);
    expect(page.body.jobs.map((job) => job.name)).toEqual(['nightly', 'old']);
    const search = await get<{ total: number; jobs: { name: string }[] }>('/api/jobs?q=RIN');
    expect(search.body).toMatchObject({ total: 1, jobs: [{ name: 'printer' }] });
    expect((await get('/api/jobs?limit=0')).status).toBe(400);
  });

  it('GET api/workers lists the daemon and its worker by host', async () => {
    const answer = await get<{ hosts: { host: string; processes: Record<string, unknown>[] }[] }>(
      '/api/workers',
    );
    expect(answer.body.hosts.map((host) => host.host)).toEqual(['web-test-host']);
    const roles = answer.body.hosts[0]?.processes.map((p) => p.role).sort();
    expect(roles).toEqual(['daemon', 'worker']);
    const daemonRow = answer.body.hosts[0]?.processes.find((p) => p.role === 'daemon');
    expect(daemonRow?.pid).toBe(daemon.pid);
  });
});

describe('acting', () => {
  it('run now: 202 with the run, which then shows in api/runs with its summary and host', async () => {
    const started = await post<{ id: string; queue: string; url: string }>('/api/jobs/greet/runs', {
      data: { sleepMs: 10 },
    });
    expect(started.status).toBe(202);
    expect(started.body.url).toBe(`/api/runs/${started.body.id}?queue=default`);
    const run = await until('the run is recorded', async () => {
      const runs = await get<{ runs: RunRow[] }>('/api/runs?job=greet');
      return runs.body.runs.find((r) => r.id === started.body.id && r.status === 'completed');
    });
    expect(run).toMatchObject({ name: 'greet', detail: '{"ok":true}', host: 'web-test-host' });
    const detail = await get(started.body.url);
    expect(detail.body).toMatchObject({
      id: started.body.id,
      state: 'completed',
      summary: { ok: true },
      data: { sleepMs: 10 },
      attempts: 1,
    });
  });

  it('run now with wait returns the result; unknown job 404, disabled in the file 409', async () => {
    const done = await post('/api/jobs/greet/runs', { wait: '20s' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', summary: { ok: true } });
    const unknown = await post('/api/jobs/nope/runs');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("no job named 'nope'");
    expect((await post('/api/jobs/old/runs')).status).toBe(409);
    expect((await post('/api/jobs/greet/runs', { wait: 'soon' })).status).toBe(400);
  });

  it('a failed run shows in api/failed with its error and stack; retry moves it back and it succeeds', async () => {
    writeFileSync(project.env.FAIL_FLAG as string, '');
    const failed = await post<{ id: string; status: string; error: string }>(
      '/api/jobs/flaky/runs',
      { wait: '20s' },
    );
    expect(failed.body).toMatchObject({
      status: 'failed',
      error: 'module ./flaky.js threw: disk full on /srv\n    at second line',
    });
    const list = await get<{ total: number; rows: Record<string, unknown>[] }>(
      '/api/failed?job=flaky',
    );
    expect(list.body.total).toBe(1);
    expect(list.body.rows[0]).toMatchObject({
      id: failed.body.id,
      name: 'flaky',
      queue: 'default',
      attempts: 1,
      error: 'module ./flaky.js threw: disk full on /srv\n    at second line',
    });
    expect(String(list.body.rows[0]?.stack)).toMatch(
      /^Error: module .\/flaky.js threw: disk full on \/srv\n/,
    );

    rmSync(project.env.FAIL_FLAG as string);
    const retried = await post('/api/failed/retry', {
      ids: [{ id: failed.body.id, queue: 'default' }],
    });
    expect(retried.body).toEqual({ retried: 1, problems: [] });
    await until('the retry succeeded', async () => {
      const runs = await get<{ runs: RunRow[] }>('/api/runs?job=flaky&status=completed');
      return runs.body.runs.find((r) => r.id === failed.body.id);
    });
    const after = await get<{ total: number }>('/api/failed?job=flaky');
    expect(after.body.total).toBe(0);
  });

  it('retry all moves every failed run back', async () => {
    writeFileSync(project.env.FAIL_FLAG as string, '');
    for (let i = 0; i < 3; i++) await post('/api/jobs/flaky/runs', { wait: '20s' });
    expect((await get<{ total: number }>('/api/failed?job=flaky')).body.total).toBe(3);
    rmSync(project.env.FAIL_FLAG as string);
    const retried = await post<{ retried: number }>('/api/failed/retry', { all: true });
    expect(retried.body.retried).toBe(3);
    await until('all retried', async () =>
      (await get<{ total: number }>('/api/failed?job=flaky')).body.total === 0 ? true : undefined,
    );
    expect((await post('/api/failed/retry', { ids: 'all' })).status).toBe(400);
  });

  it('disable refuses run now unless forced, shows who and why in api/jobs; enable undoes it', async () => {
    const disabled = await post('/api/jobs/greet/disable', { reason: 'mailer down' });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({
      name: 'greet',
      enabled: false,
      disabled: { by: 'operator', operator: 'web@web-test-host', reason: 'mailer down' },
    });
    const listed = await get<{ jobs: { enabled: boolean }[] }>('/api/jobs?q=greet');
    expect(listed.body.jobs[0]?.enabled).toBe(false);
    const refused = await post('/api/jobs/greet/runs');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(
      /^job 'greet' was disabled by web@web-test-host at .*: mailer down/,
    );
    const forced = await post('/api/jobs/greet/runs', { force: true, wait: '20s' });
    expect(forced.body).toMatchObject({ status: 'completed' });
    const enabled = await post('/api/jobs/greet/enable');
    expect(enabled.body).toMatchObject({ enabled: true, disabled: null });
    // Waited for: a run still going when the next test makes the handler fail would
    // land in the failed list that test counts.
    const runs = await post('/api/jobs/greet/runs', { wait: '20s' });
    expect(runs.status).toBe(200);
    expect(runs.body).toMatchObject({ status: 'completed' });
    expect((await post('/api/jobs/nope/disable')).status).toBe(404);
  });

  it('remove deletes failed runs by id and all of them', async () => {
    writeFileSync(project.env.FAIL_FLAG as string, '');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await post<{ id: string }>('/api/jobs/flaky/runs', { wait: '20s' })).body.id);
    }
    rmSync(project.env.FAIL_FLAG as string);
    expect((await get<{ total: number }>('/api/failed?job=flaky')).body.total).toBe(3);
    const one = await post('/api/failed/remove', { ids: [{ id: ids[0], queue: 'default' }] });
    expect(one.body).toEqual({ removed: 1, problems: [] });
    const left = await get<{ total: number; rows: { id: string }[] }>('/api/failed?job=flaky');
    expect(left.body.rows.map((row) => row.id).sort()).toEqual(ids.slice(1).sort());
    const again = await post('/api/failed/remove', { ids: [{ id: ids[0], queue: 'default' }] });
    expect(again.body).toEqual({ removed: 0, problems: [`no run ${ids[0]} in queue 'default'`] });
    const all = await post('/api/failed/remove', { all: true });
    expect(all.body).toEqual({ removed: 2, problems: [] });
    expect((await get<{ total: number }>('/api/failed')).body.total).toBe(0);
  });

  it('pause and resume change api/queues', async () => {
    const paused = await post('/api/queues/default/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ queue: 'default', paused: true });
    expect(Date.parse(String(paused.body.pausedSince))).toBeGreaterThan(Date.now() - 60_000);
    const queues = await get<{ queues: { queue: string; paused: boolean }[] }>('/api/queues');
    expect(queues.body.queues.find((q) => q.queue === 'default')?.paused).toBe(true);
    const resumed = await post('/api/queues/default/resume');
    expect(resumed.body).toMatchObject({ queue: 'default', paused: false, pausedSince: null });
    const after = await get<{ queues: { queue: string; paused: boolean }[] }>('/api/queues');
    expect(after.body.queues.find((q) => q.queue === 'default')?.paused).toBe(false);
    expect((await post('/api/queues/nope/pause')).status).toBe(404);
  });

  it("a running command's output follows live in api/runs/ID, and stays with the run", async () => {
    const started = await post<{ id: string; url: string }>('/api/jobs/printer/runs');
    const live = await until('live output while active', async () => {
      const run = await get<{ state: string; outputTail: { stdout: string } | null }>(
        started.body.url,
      );
      return run.body.state === 'active' && run.body.outputTail?.stdout.includes('line 2')
        ? run.body
        : undefined;
    });
    expect(live.outputTail?.stdout).not.toContain('line 16');
    // The host comes from the workers' heartbeats, written every 5 s.
    const active = await until('the active run with its host', async () => {
      const runs = await get<{ runs: RunRow[] }>('/api/runs?status=active');
      return runs.body.runs.find((r) => r.id === started.body.id && r.host !== null);
    });
    expect(active).toMatchObject({ status: 'active', host: 'web-test-host' });
    const done = await until('completed', async () => {
      const run = await get<{ state: string; outputTail: { stdout: string } | null }>(
        started.body.url,
      );
      return run.body.state === 'completed' ? run.body : undefined;
    });
    expect(done.outputTail?.stdout).toBe(
      Array.from({ length: 16 }, (_, i) => `line ${i + 1}\n`).join(''),
    );
  });

  it('restart replaces the workers: new pids in api/workers', async () => {
    const pids = async () =>
      (
        await get<{ hosts: { processes: { role: string; pid: number }[] }[] }>('/api/workers')
      ).body.hosts
        .flatMap((host) => host.processes)
        .filter((p) => p.role === 'worker')
        .map((p) => p.pid);
    const before = await pids();
    expect(before).toHaveLength(1);
    const answer = await post<{ generation: number }>('/api/restart');
    expect(answer.body.generation).toBeGreaterThan(0);
    const after = await until('a new worker', async () => {
      const now = await pids();
      return now.length === 1 && !before.includes(now[0] as number) ? now : undefined;
    });
    expect(after[0]).not.toBe(before[0]);
  });

  it('GET never changes state: the action routes answer 404 to a GET and nothing happens', async () => {
    const runsBefore = await get<{ runs: RunRow[] }>('/api/runs?job=greet&limit=500');
    const paths = [
      '/api/jobs/greet/runs',
      '/api/queues/default/pause',
      '/api/failed/retry',
      '/api/failed/remove',
      '/api/jobs/greet/disable',
      '/api/restart',
    ];
    for (const path of paths) {
      const answer: WebAnswer = await get(path);
      expect(answer.status, path).toBe(404);
    }
    const queues = await get<{ queues: { paused: boolean; waiting: number }[] }>('/api/queues');
    expect(queues.body.queues.every((q) => !q.paused && q.waiting === 0)).toBe(true);
    const runsAfter = await get<{ runs: RunRow[] }>('/api/runs?job=greet&limit=500');
    expect(runsAfter.body.runs.length).toBe(runsBefore.body.runs.length);
  });
});

describe('jobs web', () => {
  it('serves the same API without a daemon and exits 0 on SIGTERM', async () => {
    const web = CliProcess.start(['web', '--config', project.config, '--addr', '127.0.0.1:0'], {
      cwd: project.dir,
      env: project.env,
    });
    try {
      const line = await web.waitFor((l) => l.msg === 'admin page listening');
      const answer = await webRequest<{ total: number }>('GET', `${String(line.url)}api/jobs`);
      expect(answer.body.total).toBe(6);
    } finally {
      expect(await web.stop()).toBe(0);
    }
  });
});
