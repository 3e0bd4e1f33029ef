import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  Browser,
  PHONE,
  horizontalOverflow,
  screenshot,
  screenshotFailures,
  type WatchedPage,
} from '../helpers/browser.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import {
  openTab,
  realisticProject,
  poll,
  startWebDaemon,
  taskRuns,
  type WebProject,
} from '../helpers/web-page.js';

// The admin page in Chromium against a real daemon, as an operator uses it: every step
// clicks what a person would click and waits for what they would see.

let project: WebProject;
let daemon: CliProcess | undefined;
let url = '';
let browser: Browser | undefined;
let tab: WatchedPage;
let page: Page;

beforeAll(async () => {
  project = realisticProject(inject('redisUrl'));
  ({ daemon, url } = await startWebDaemon(project));
  browser = await Browser.launch();
  tab = await browser.newPage();
  page = tab.page;
  // Some history for the screenshots: two failures, a command's output, a disabled job.
  const jobs = (args: string[]) =>
    runCli([...args, '--config', project.config], { cwd: project.dir, env: project.env });
  for (const job of ['sync-calendar', 'import-bank-statements', 'backup-database']) {
    await jobs(['run-job', job]);
  }
  await jobs(['disable', 'prune-audit-log', '--reason', 'audit export moves to the new store']);
}, 60_000);

screenshotFailures(() => page);

afterAll(async () => {
  await Promise.allSettled([browser?.close(), daemon?.stop()]);
});

/** The row of a job (or run) whose name cell says `name` exactly. */
function rowOf(name: string, rows = page.locator('tbody tr')): Locator {
  return rows.filter({ has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });
}

const runsOf = (name: string) => taskRuns(project, name);

describe('the admin page', () => {
  test('Jobs lists every definition; Run now checks the JSON payload, then the run shows in Job logs', async () => {
    await openTab(page, url, 'jobs');
    await poll(() => page.locator('h1').textContent()).toBe('Jobs (12)');
    const row = rowOf('export-invoices');
    await poll(() => row.locator('td').nth(1).innerText()).toContain('At 03:00');
    expect(await row.locator('td').nth(1).innerText()).toContain('0 3 * * *');
    expect(await row.locator('td').nth(1).innerText()).toContain('Europe/Berlin');
    // Three next runs, each in the browser's zone (Berlin here) and in UTC.
    expect(await row.locator('ul.times li').count()).toBe(3);
    expect(await row.locator('ul.times li').first().innerText()).toMatch(/02:00 UTC/);
    const fileDisabled = rowOf('rebuild-search-index').getByRole('switch');
    expect(await fileDisabled.getAttribute('aria-checked')).toBe('false');
    expect(await fileDisabled.isDisabled()).toBe(true);

    // A refusal is said in the API's words, in the dialog, which stays open.
    await rowOf('rebuild-search-index').getByRole('button', { name: 'Run now' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await poll(() => dialog.locator('.form-error').textContent()).toMatch(/disabled/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(runsOf('rebuild-search-index')).toEqual([]);

    await row.getByRole('button', { name: 'Run now' }).click();
    await dialog.locator('textarea').fill('{"month": 2026-11}');
    await poll(() => dialog.locator('.hint').textContent()).toMatch(/^Not valid JSON/);
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await poll(() => dialog.locator('.form-error').textContent()).toMatch(/^Not valid JSON/);
    expect(runsOf('export-invoices')).toEqual([]); // the browser sent nothing

    await dialog.locator('textarea').fill('{"month": "2026-11"}');
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'See it in Job logs' }).click();
    const run = rowOf('export-invoices', page.locator('tbody tr.clickable')).filter({
      hasText: '"month":"2026-11"',
    });
    await run.first().waitFor();
    expect(await run.first().innerText()).toContain('completed');
    expect(runsOf('export-invoices').map((record) => record.data)).toEqual([{ month: '2026-11' }]);

    // Its detail: the payload it ran with and the summary it returned.
    await run.first().click();
    const detail = page.locator('.run-detail');
    await detail.getByText('"month": "2026-11"').first().waitFor();
    expect(await detail.innerText()).toContain('"exported": 42');
    await screenshot(page, 'job-logs');
  });

  test('disabling a job asks for a reason, survives a reload, and its ticks show as skipped until it is enabled', async () => {
    await openTab(page, url, 'jobs');
    const row = rowOf('cleanup-sessions');
    const toggle = row.getByRole('switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await poll(() => dialog.locator('.form-error').textContent()).toMatch(/^Say why/);
    await dialog.locator('#reason').fill('sessions table is being migrated');
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await dialog.waitFor({ state: 'detached' });
    const disabledAt = Date.now();

    await page.reload();
    await page.locator('.freshness.live').waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    expect(await row.innerText()).toContain('Off: sessions table is being migrated');
    expect(await row.innerText()).toContain('none while disabled');

    await openTab(page, url, 'logs?job=cleanup-sessions&status=skipped');
    const skipped = page.locator('tbody tr.clickable');
    await skipped.first().waitFor({ timeout: 15_000 });
    expect(await skipped.first().locator('.badge').innerText()).toContain('skipped');
    // A tick already running when the switch flipped may finish; none starts after it.
    const ranWhileOff = () =>
      runsOf('cleanup-sessions').filter((run) => run.at > disabledAt + 1000);
    expect(ranWhileOff()).toEqual([]);

    await openTab(page, url, 'jobs');
    await toggle.click();
    await poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    const enabledAt = Date.now();
    await poll(
      () => runsOf('cleanup-sessions').filter((run) => run.at > enabledAt).length,
      15_000,
    ).toBeGreaterThan(0);
  });

  test('a failing job shows in Failed with its error; once its cause is fixed, Retry makes it succeed and leave', async () => {
    await openTab(page, url, 'failed');
    const row = rowOf('import-bank-statements');
    await row.waitFor();
    expect(await row.innerText()).toContain('ENOENT');
    await screenshot(page, 'failed'); // before the stack, which names this checkout's paths
    // The stack on expand.
    await row.getByRole('button', { name: /^Stack and output of import-bank-statements/ }).click();
    await page.locator('.run-detail pre').first().waitFor();
    expect(await page.locator('.run-detail').first().innerText()).toContain('statements.csv');

    writeFileSync(path.join(project.dir, 'statements.csv'), 'date,amount\n2026-12-01,10\n');
    await row.getByRole('button', { name: 'Retry' }).click();
    await row.waitFor({ state: 'detached' });

    // It ran again and succeeded: Job logs has the run, and Failed no longer has it.
    await openTab(page, url, 'logs?job=import-bank-statements&status=completed');
    const completed = page.locator('tbody tr.clickable').filter({ hasText: '"imported":2' });
    await completed.first().waitFor();
    expect(await page.locator('#filter-status').inputValue()).toBe('completed');
    await openTab(page, url, 'failed');
    const failedNames = () => page.locator('main tbody .name').allInnerTexts();
    await poll(failedNames).toContain('sync-calendar');
    // An error holding markup is shown as the text it is, never made into elements.
    const calendar = rowOf('sync-calendar');
    expect(await calendar.innerText()).toContain('503: <html><body><h1>Service Unavailable');
    expect(await calendar.locator('html, body, h1').count()).toBe(0);
    expect(await failedNames()).not.toContain('import-bank-statements');

    await rowOf('sync-calendar').getByRole('button', { name: 'Remove' }).click();
    await rowOf('sync-calendar').waitFor({ state: 'detached' });

    // Two new failures, then Remove all, confirmed.
    for (let i = 0; i < 2; i++) {
      await runCli(['run-job', 'sync-calendar', '--config', project.config], {
        cwd: project.dir,
        env: project.env,
      });
    }
    await poll(failedNames).toEqual(['sync-calendar', 'sync-calendar']);
    await page.getByRole('button', { name: 'Remove all' }).click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.locator('h2').innerText()).toMatch(/^Remove all 2 failed runs\?/);
    await dialog.getByRole('button', { name: 'Remove all' }).click();
    await page.getByText('No failed runs.').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Failed (0)');
  });

  test('pausing a queue holds its runs (the counts say so); resuming lets them run', async () => {
    await openTab(page, url, 'queues');
    const reports = rowOf('reports');
    await reports.getByRole('button', { name: 'Pause reports' }).click();
    await poll(() => reports.locator('.badge').first().innerText()).toContain('paused');
    const before = runsOf('generate-sitemaps').length;

    await runCli(['run-job', 'generate-sitemaps', '--no-wait', '--config', project.config], {
      cwd: project.dir,
      env: project.env,
    });
    const waiting = reports.locator('td[data-label="Waiting"]');
    await poll(() => waiting.innerText(), 10_000).toBe('1');
    await screenshot(page, 'queues');
    expect(runsOf('generate-sitemaps').length).toBe(before);

    await reports.getByRole('button', { name: 'Resume reports' }).click();
    await poll(() => reports.locator('.badge').first().innerText()).toContain('running');
    await poll(() => waiting.innerText(), 10_000).toBe('0');
    await poll(() => runsOf('generate-sitemaps').length).toBe(before + 1);
  });

  test('Restart workers (confirmed) replaces every worker process: new pids on Workers', async () => {
    await openTab(page, url, 'workers');
    const pids = () => page.locator('tr[data-role="worker"] .pid').allInnerTexts();
    await poll(async () => (await pids()).length).toBeGreaterThan(0);
    const before = await pids();
    await screenshot(page, 'workers');

    await page.getByRole('button', { name: 'Restart workers' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('button', { name: 'Restart workers' }).click();
    await dialog.waitFor({ state: 'detached' });
    await poll(async () => {
      const now = await pids();
      return now.length === before.length && now.every((pid) => !before.includes(pid));
    }, 30_000).toBe(true);
  });

  test('screenshots of Jobs, and no page-wide horizontal scroll on a phone', async () => {
    await openTab(page, url, 'jobs');
    await screenshot(page, 'jobs');
    await page.emulateMedia({ colorScheme: 'dark' });
    await openTab(page, url, 'jobs');
    await screenshot(page, 'jobs-dark', false);
    await page.emulateMedia({ colorScheme: 'light' });
    const phone = await browser!.newPage(PHONE);
    try {
      for (const name of ['jobs', 'logs', 'failed', 'queues', 'workers']) {
        await openTab(phone.page, url, name);
        expect(await horizontalOverflow(phone.page), name).toBe(0);
      }
      await openTab(phone.page, url, 'jobs');
      await screenshot(phone.page, 'jobs-phone', false);
      expect(phone.errors.filter((error) => error.startsWith('pageerror'))).toEqual([]);
    } finally {
      await phone.page.close();
    }
  });

  test('keyboard: Run now opens with Enter, Escape cancels; a poll leaves the focus where it was', async () => {
    await openTab(page, url, 'jobs');
    const button = rowOf('warm-caches').getByRole('button', { name: 'Run now' });
    const focused = () =>
      page.evaluate(
        `document.activeElement.closest('tr')?.querySelector('.name')?.textContent + ' ' + document.activeElement.textContent`,
      );
    await button.focus();
    const stamp = await page.locator('#freshness').innerText();
    await poll(() => page.locator('#freshness').innerText()).not.toBe(stamp); // polled
    expect(await focused()).toBe('warm-caches Run now');

    const before = runsOf('warm-caches').length;
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('payload');
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    expect(runsOf('warm-caches').length).toBe(before);
  });

  test('the page weighs far under 200 KB over the wire, and loads nothing from elsewhere', async () => {
    const fresh = await browser!.newPage();
    const transfers: { url: string; bytes: number }[] = [];
    fresh.page.on('requestfinished', async (request) => {
      const sizes = await request.sizes();
      transfers.push({
        url: request.url(),
        bytes: sizes.responseBodySize + sizes.responseHeadersSize,
      });
    });
    try {
      await openTab(fresh.page, url, 'jobs');
      const files = transfers.filter((transfer) => !transfer.url.includes('/api/'));
      expect(files.every((transfer) => transfer.url.startsWith(url))).toBe(true);
      const total = files.reduce((sum, transfer) => sum + transfer.bytes, 0);
      expect(total).toBeGreaterThan(5_000); // the files did load
      expect(total).toBeLessThan(60_000); // measured: about 25 KB (compressed)
    } finally {
      await fresh.page.close();
    }
  });

  test('the page threw no script error', () => {
    expect(tab.errors.filter((error) => error.startsWith('pageerror'))).toEqual([]);
  });
});
