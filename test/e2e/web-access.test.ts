import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { OperatorProject, SWITCHABLE_HANDLER } from '../helpers/operator.js';
import { startWebDaemon, until, webRequest } from '../helpers/web.js';

/**
 * Who may use the admin page: tokens, the login form's session, CSRF, Origin, Host,
 * read-only, the base path, and the closed page on a non-loopback address. A real daemon
 * (subprocess) on the private Redis; Node's fetch and curl as the clients.
 */
const redisUrl = inject('redisUrl');
const ADMIN = 'admin-secret-token';
const LOOK = 'look-only-token';

const JOBS_YAML = `
jobs:
  greet:
    module: ./flaky.js
`;

let project: OperatorProject;
let base: string;
let origin: string;
const extra: CliProcess[] = [];

/** Every POST route of the API, with a body it accepts. */
const POST_ROUTES: [string, unknown][] = [
  ['/api/jobs/greet/runs', {}],
  ['/api/jobs/greet/disable', { reason: 'x' }],
  ['/api/jobs/greet/enable', {}],
  ['/api/failed/retry', { all: true }],
  ['/api/failed/remove', { all: true }],
  ['/api/queues/default/pause', {}],
  ['/api/queues/default/resume', {}],
  ['/api/restart', {}],
];

beforeAll(async () => {
  const dir = writeProject({ 'jobs.yaml': JOBS_YAML, 'flaky.js': SWITCHABLE_HANDLER });
  project = new OperatorProject(dir, uniquePrefix(), redisUrl);
  Object.assign(project.env, {
    JOBS_WEB_TOKEN: ADMIN,
    JOBS_WEB_READONLY_TOKEN: LOOK,
    JOBS_WEB_BASE_PATH: '/jobs',
  });
  ({ url: base, origin } = await startWebDaemon(project, ['--workers', '1']));
}, 60_000);

afterAll(async () => {
  await Promise.all(extra.map((process) => process.stop()));
  await project?.stopAll();
});

/** Logs in with the form; the cookie header to send back. */
async function login(url: string, token: string): Promise<string> {
  const answer = await webRequest('POST', `${url}/login`, {
    raw: { type: 'application/x-www-form-urlencoded', text: `token=${encodeURIComponent(token)}` },
  });
  expect(answer.status).toBe(303);
  expect(answer.headers.get('location')).toBe('/jobs/');
  return (answer.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

async function csrfOf(cookie: string): Promise<string> {
  return (await webRequest<{ csrf: string }>('GET', `${base}/api/session`, { cookie })).body.csrf;
}

async function queuePaused(): Promise<boolean> {
  const queues = await webRequest<{ queues: { paused: boolean }[] }>('GET', `${base}/api/queues`, {
    bearer: ADMIN,
  });
  return queues.body.queues[0]?.paused ?? false;
}

describe('with JOBS_WEB_TOKEN', () => {
  it('no token: the API answers 401, the page redirects to the login form', async () => {
    const api = await webRequest('GET', `${base}/api/jobs`);
    expect(api.status).toBe(401);
    expect(api.body.error).toMatch(/^not logged in/);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="jobs"');
    const page = await webRequest('GET', `${base}/`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/jobs/login');
    const form = await webRequest('GET', `${base}/login`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="login">');
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(form.headers.get('x-frame-options')).toBe('DENY');
    expect(form.headers.get('referrer-policy')).toBe('same-origin');
    expect(form.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await webRequest('GET', `${base}/api/jobs`, { bearer: 'wrong' })).status).toBe(401);
  });

  it('the login form refuses a wrong token and sets a strict HttpOnly cookie for the right one', async () => {
    const wrong = await webRequest('POST', `${base}/login`, {
      raw: { type: 'application/x-www-form-urlencoded', text: 'token=nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBe(null);
    const right = await webRequest('POST', `${base}/login`, {
      raw: { type: 'application/x-www-form-urlencoded', text: `token=${ADMIN}` },
    });
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^jobs_session=admin\.\d+\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/jobs/');
    const session = await webRequest('GET', `${base}/api/session`, {
      cookie: cookie.split(';')[0],
    });
    expect(session.body).toMatchObject({ role: 'admin', basePath: '/jobs' });
    // A forged cookie (readonly role, admin's signature) is no session.
    const forged = (cookie.split(';')[0] as string).replace('=admin.', '=readonly.');
    expect((await webRequest('GET', `${base}/api/session`, { cookie: forged })).status).toBe(401);
  });

  it('a session POST needs its CSRF token: none or a wrong one 403, the right one acts', async () => {
    const cookie = await login(base, ADMIN);
    const csrf = await csrfOf(cookie);
    const url = `${base}/api/queues/default/pause`;
    const none = await webRequest('POST', url, { cookie });
    expect(none.status).toBe(403);
    expect(none.body.error).toMatch(/CSRF/);
    const other = await csrfOf(await login(base, ADMIN)); // another session's token
    expect((await webRequest('POST', url, { cookie, csrf: other })).status).toBe(403);
    expect(await queuePaused()).toBe(false);
    expect((await webRequest('POST', url, { cookie, csrf })).status).toBe(200);
    expect(await queuePaused()).toBe(true);
    await webRequest('POST', `${base}/api/queues/default/resume`, { cookie, csrf });
    expect(await queuePaused()).toBe(false);
  });

  it('read-only: every POST route is 403 (Bearer and session alike) and nothing changes', async () => {
    const cookie = await login(base, LOOK);
    const csrf = await csrfOf(cookie);
    expect((await webRequest('GET', `${base}/api/session`, { cookie })).body.role).toBe('readonly');
    expect((await webRequest('GET', `${base}/api/jobs`, { bearer: LOOK })).status).toBe(200);
    for (const [route, body] of POST_ROUTES) {
      const viaBearer = await webRequest('POST', `${base}${route}`, { bearer: LOOK, body });
      expect(viaBearer.status, route).toBe(403);
      expect(viaBearer.body.error).toMatch(/^read-only access/);
      const viaSession = await webRequest('POST', `${base}${route}`, { cookie, csrf, body });
      expect(viaSession.status, route).toBe(403);
    }
    expect(await queuePaused()).toBe(false);
    const runs = await webRequest<{ runs: unknown[] }>('GET', `${base}/api/runs`, { bearer: LOOK });
    expect(runs.body.runs).toEqual([]);
    const jobs = await webRequest<{ jobs: { enabled: boolean }[] }>('GET', `${base}/api/jobs`, {
      bearer: LOOK,
    });
    expect(jobs.body.jobs[0]?.enabled).toBe(true);
  });

  it('a cross-site Origin is 403 even with a valid session, CSRF token or Bearer token', async () => {
    const cookie = await login(base, ADMIN);
    const csrf = await csrfOf(cookie);
    const evil = { Origin: 'https://evil.example' };
    const url = `${base}/api/queues/default/pause`;
    const bySession = await webRequest('POST', url, { cookie, csrf, headers: evil });
    expect(bySession.status).toBe(403);
    expect(bySession.body.error).toMatch(/^cross-site request refused/);
    expect((await webRequest('POST', url, { bearer: ADMIN, headers: evil })).status).toBe(403);
    const sameSite = { 'Sec-Fetch-Site': 'same-site' };
    expect((await webRequest('POST', url, { cookie, csrf, headers: sameSite })).status).toBe(403);
    expect(await queuePaused()).toBe(false);
    // The page's own Origin passes.
    const own = await webRequest('POST', url, { cookie, csrf, headers: { Origin: origin } });
    expect(own.status).toBe(200);
    await webRequest('POST', `${base}/api/queues/default/resume`, { bearer: ADMIN });
  });

  it('a Host that is not this server is refused (DNS rebinding)', async () => {
    const port = new URL(base).port;
    const { stdout } = await promisify(execFile)('curl', [
      '-s',
      '-w',
      '\\n%{http_code}',
      '-H',
      `Host: evil.example:${port}`,
      '-H',
      `Authorization: Bearer ${ADMIN}`,
      `${base}/api/jobs`,
    ]);
    const [body, status] = stdout.split('\n');
    expect(status).toBe('421');
    expect(JSON.parse(body as string).error).toMatch(/does not answer to the host name/);
  });

  it('a form-encoded POST to the API is 415', async () => {
    const answer = await webRequest('POST', `${base}/api/restart`, {
      bearer: ADMIN,
      raw: { type: 'application/x-www-form-urlencoded', text: 'a=1' },
    });
    expect(answer.status).toBe(415);
  });

  it('the base path: /jobs redirects to /jobs/, nothing answers outside it', async () => {
    const bare = await webRequest('GET', base, { bearer: ADMIN });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/jobs/');
    const outside = await webRequest('GET', `${origin}/api/jobs`, { bearer: ADMIN });
    expect(outside.status).toBe(404);
    expect((await webRequest('GET', `${origin}/metrics`)).status).toBe(200);
  });

  it('the webcron trigger: curl with a Bearer token starts a run', async () => {
    const { stdout } = await promisify(execFile)('curl', [
      '-fsS',
      '-X',
      'POST',
      '-H',
      `Authorization: Bearer ${ADMIN}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"data": {"from": "cron"}}',
      `${base}/api/jobs/greet/runs`,
    ]);
    const started = JSON.parse(stdout) as { id: string; url: string };
    expect(started.url).toBe(`/jobs/api/runs/${started.id}?queue=default`);
    const run = await until('the run completed', async () => {
      const answer = await webRequest<{ state: string; data: unknown }>(
        'GET',
        `${origin}${started.url}`,
        { bearer: ADMIN },
      );
      return answer.body.state === 'completed' ? answer.body : undefined;
    });
    expect(run.data).toEqual({ from: 'cron' });
  });

  it('a session works on every server with the same token, and on none after the token changes', async () => {
    const cookie = await login(base, ADMIN);
    const serve = async (token: string) => {
      const web = CliProcess.start(['web', '--config', project.config, '--addr', '127.0.0.1:0'], {
        cwd: project.dir,
        env: { ...project.env, JOBS_WEB_TOKEN: token, JOBS_WEB_READONLY_TOKEN: '' },
      });
      extra.push(web);
      const line = await web.waitFor((l) => l.msg === 'admin page listening');
      return String(line.url).replace(/\/$/, '');
    };
    const same = await serve(ADMIN);
    expect((await webRequest('GET', `${same}/api/session`, { cookie })).body.role).toBe('admin');
    const changed = await serve('a-new-token');
    expect((await webRequest('GET', `${changed}/api/session`, { cookie })).status).toBe(401);
  });
});

describe('without a token', () => {
  it('on a non-loopback address the page is closed (403, one warning) and metrics still work', async () => {
    const dir = writeProject({ 'jobs.yaml': JOBS_YAML, 'flaky.js': SWITCHABLE_HANDLER });
    const open = new OperatorProject(dir, uniquePrefix(), redisUrl);
    try {
      const { daemon, url } = await startWebDaemon(open, ['--workers', '0'], '0.0.0.0:0');
      const local = url.replace('0.0.0.0', '127.0.0.1');
      const answer = await webRequest('GET', `${local}/api/jobs`);
      expect(answer.status).toBe(403);
      expect(answer.body.error).toMatch(/JOBS_WEB_TOKEN is not set/);
      expect((await webRequest('GET', `${local}/metrics`)).status).toBe(200);
      expect(daemon.count((l) => String(l.msg).startsWith('the admin page is closed'))).toBe(1);
    } finally {
      await open.stopAll();
    }
  });

  it('JOBS_WEB=off serves no page; a bad base path is a configuration error', async () => {
    const dir = writeProject({ 'jobs.yaml': JOBS_YAML, 'flaky.js': SWITCHABLE_HANDLER });
    const off = new OperatorProject(dir, uniquePrefix(), redisUrl);
    off.env.JOBS_WEB = 'off';
    try {
      const daemon = off.startDaemon(['--workers', '0', '--metrics-addr', '127.0.0.1:0']);
      const line = await daemon.waitFor((l) => l.msg === 'metrics listening');
      expect((await webRequest('GET', `${String(line.url)}/api/jobs`)).status).toBe(404);
      expect((await webRequest('GET', `${String(line.url)}/metrics`)).status).toBe(200);
    } finally {
      await off.stopAll();
    }
    const bad = await runCli(['web', '--config', off.config], {
      cwd: dir,
      env: { ...off.env, JOBS_WEB_BASE_PATH: 'jobs/' },
    });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toBe(
      "jobs: JOBS_WEB_BASE_PATH 'jobs/' must start with '/' and not end with one (e.g. /jobs)\n",
    );
  });
});
