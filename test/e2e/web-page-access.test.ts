import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Browser, screenshot, screenshotFailures } from '../helpers/browser.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import {
  realisticProject,
  poll,
  startWebDaemon,
  taskRuns,
  type WebProject,
} from '../helpers/web-page.js';

// The admin page with JOBS_WEB_TOKEN and JOBS_WEB_READONLY_TOKEN under a base path, in Chromium: the login
// form, the read-only role, and a page of another origin trying to act with the session.

const ADMIN_TOKEN = 'admin-3f9a1c7e5b';
const READONLY_TOKEN = 'look-8d2e6a4f0c';
const BASE = '/ops/jobs';

let project: WebProject;
let daemon: CliProcess | undefined;
let url = '';
let browser: Browser | undefined;
let page: Page;
let attacker: http.Server | undefined;

beforeAll(async () => {
  project = realisticProject(inject('redisUrl'));
  ({ daemon, url } = await startWebDaemon(project, {
    JOBS_WEB_TOKEN: ADMIN_TOKEN,
    JOBS_WEB_READONLY_TOKEN: READONLY_TOKEN,
    // As behind a reverse proxy: the page finds its API and login relative to itself.
    JOBS_WEB_BASE_PATH: BASE,
  }));
  // A failed run, so that Failed has its Retry and Remove buttons to check.
  await runCli(['run-job', 'sync-calendar', '--config', project.config], {
    cwd: project.dir,
    env: project.env,
  });
  browser = await Browser.launch();
  page = (await browser.newPage()).page;
}, 60_000);

screenshotFailures(() => page);

afterAll(async () => {
  attacker?.close();
  await Promise.allSettled([browser?.close(), daemon?.stop()]);
});

/** Logs in through the form, from a browser without a session. */
async function logIn(token: string): Promise<void> {
  await browser!.context.clearCookies();
  await page.goto(url);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The daemon's API as a curl user with the admin token sees it. */
async function api<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, url), {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/**
 * Runs send-digest-emails through the API with the admin token: its run id. BullMQ
 * numbers a queue's jobs from one counter, which every added job (a schedule's tick too)
 * moves on. Its queue, mail, has no other job and its one schedule ticks on weekday
 * mornings only: two of these ids one apart mean nothing was added in between.
 */
async function runNowAsAdmin(): Promise<number> {
  const response = await fetch(new URL('api/jobs/send-digest-emails/runs', url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  expect(response.status).toBe(202);
  return Number(((await response.json()) as { id: string }).id);
}

async function reportsPaused(): Promise<boolean> {
  const { queues } = await api<{ queues: { queue: string; paused: boolean }[] }>('api/queues');
  return queues.find((queue) => queue.queue === 'reports')?.paused ?? false;
}

describe('the admin page with tokens', () => {
  test('without a session the page goes to the login form; a wrong token is refused, the right one logs in', async () => {
    await browser!.context.clearCookies();
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe(`${BASE}/login`);
    expect((await fetch(new URL('api/jobs', url))).status).toBe(401);

    await page.locator('#token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That token is not right.').waitFor();
    expect(new URL(page.url()).pathname).toBe(`${BASE}/login`);
    expect((await browser!.context.cookies()).map((cookie) => cookie.name)).toEqual([]);

    await page.locator('#token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.freshness.live').waitFor();
    expect(new URL(page.url()).pathname).toBe(`${BASE}/`);
    expect(await page.locator('h1').textContent()).toBe('Jobs (12)');
    expect(await page.getByRole('button', { name: 'Run now' }).first().isEnabled()).toBe(true);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#token').waitFor();
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe(`${BASE}/login`);
  });

  test('the read-only token: every action is disabled, and a POST forced from the page gets 403', async () => {
    await logIn(READONLY_TOKEN);
    await page.locator('.freshness.live').waitFor();
    expect(await page.locator('.who').innerText()).toContain('read-only');

    const actions: Record<string, string[]> = {
      jobs: ['Run now', 'enabled'],
      failed: ['Retry', 'Remove', 'Retry all', 'Remove all'],
      queues: ['Pause reports', 'Pause default'],
      workers: ['Restart workers'],
    };
    for (const [tab, names] of Object.entries(actions)) {
      await page.goto('about:blank');
      await page.goto(new URL(`#/${tab}`, url).href);
      await page.locator('.freshness.live').waitFor();
      for (const name of names) {
        const buttons = page.locator('main').getByRole(name === 'enabled' ? 'switch' : 'button', {
          name: name === 'enabled' ? /enabled$/ : name,
          exact: name !== 'enabled',
        });
        await buttons.first().waitFor();
        const states = await buttons.evaluateAll((all) =>
          all.map((button) => (button as unknown as { disabled: boolean }).disabled),
        );
        expect(states.length, `${tab}: ${name}`).toBeGreaterThan(0);
        expect(states.every(Boolean), `${tab}: ${name} disabled`).toBe(true);
      }
    }
    await screenshot(page, 'readonly-workers');

    // The buttons are only the page's courtesy: the server refuses the role itself.
    const forced = (await page.evaluate(`(async () => {
      const session = await (await fetch('api/session')).json();
      const post = (path) => fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf },
        body: '{}',
      }).then(async (response) => [response.status, (await response.json()).error]);
      return [session.role, await post('api/jobs/export-invoices/runs'), await post('api/queues/reports/pause')];
    })()`)) as [string, [number, string], [number, string]];
    expect(forced[0]).toBe('readonly');
    expect(forced[1]).toEqual([403, expect.stringMatching(/read-only/)]);
    expect(forced[2]).toEqual([403, expect.stringMatching(/read-only/)]);
    expect(await reportsPaused()).toBe(false);
    expect(taskRuns(project, 'export-invoices')).toEqual([]);
  });

  test('a page of another origin cannot act with the logged-in session', async () => {
    await logIn(ADMIN_TOKEN);
    await page.locator('.freshness.live').waitFor();

    // Another port of the same host: the same *site*, so the SameSite=Strict cookie does
    // go along. What refuses these requests is the server's Origin check.
    attacker = http.createServer((_request, response) => {
      response.setHeader('Content-Type', 'text/html');
      response.end(`<!doctype html><body>
<form id="f" method="post" action="${url}api/queues/reports/pause" enctype="text/plain">
<input name='{"a":"' value='"}'></form>
<script>
fetch('${url}api/jobs/send-digest-emails/runs', { method: 'POST', mode: 'no-cors',
  credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{}' })
  .finally(() => document.getElementById('f').submit());
</script></body>`);
    });
    await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;

    // What the attacker's page got back: the form's answer, and the fetch's (whose answer
    // Chromium withholds anyway: the API sends Cross-Origin-Resource-Policy: same-origin).
    const outcomes = new Map<string, string>();
    page.on('response', (response) => {
      if (response.url().startsWith(url) && response.request().method() === 'POST') {
        outcomes.set(new URL(response.url()).pathname, String(response.status()));
      }
    });
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(url)) {
        outcomes.set(new URL(request.url()).pathname, request.failure()?.errorText ?? 'failed');
      }
    });
    const before = await runNowAsAdmin();
    await page.goto(origin);
    await poll(() => outcomes.size).toBe(2);
    expect(Object.fromEntries(outcomes)).toEqual({
      [`${BASE}/api/jobs/send-digest-emails/runs`]: 'net::ERR_BLOCKED_BY_RESPONSE.NotSameOrigin',
      [`${BASE}/api/queues/reports/pause`]: '403',
    });
    await page.getByText('cross-site request refused').waitFor(); // the form's answer
    expect(await reportsPaused()).toBe(false);
    expect(await runNowAsAdmin()).toBe(before + 1); // the page's fetch enqueued nothing
  });
});
