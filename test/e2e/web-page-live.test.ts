import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Browser, screenshot, screenshotFailures } from '../helpers/browser.js';
import { runCli, type CliProcess } from '../helpers/cli.js';
import { TestRedis } from '../helpers/redis-server.js';
import {
  openTab,
  realisticProject,
  poll,
  startWebDaemon,
  type WebProject,
} from '../helpers/web-page.js';

// The page stays live: a running command's output follows in its detail, and while Redis
// is away the page keeps what it showed and says that it is stale. This file has a Redis
// of its own, since it stops it.

/** A command that prints a line every 0.4 s for about 4 s. */
const SLOW_COMMAND = `
  render-reports:
    description: Render the monthly PDF reports
    command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "rendered report $i of 10"; sleep 0.4; done']
`;

let redis: TestRedis | undefined;
let project: WebProject;
let daemon: CliProcess | undefined;
let url = '';
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  redis = await TestRedis.start();
  project = realisticProject(redis.url, {}, SLOW_COMMAND);
  ({ daemon, url } = await startWebDaemon(project));
  browser = await Browser.launch();
  page = (await browser.newPage()).page;
}, 60_000);

screenshotFailures(() => page);

afterAll(async () => {
  await Promise.allSettled([browser?.close(), daemon?.stop()]);
  await redis?.destroy();
});

describe('the admin page, live', () => {
  test("a running command's output follows in its detail, then shows as kept once it ends", async () => {
    await runCli(['run-job', 'render-reports', '--no-wait', '--config', project.config], {
      cwd: project.dir,
      env: project.env,
    });
    await openTab(page, url, 'logs?job=render-reports');
    const running = page.locator('tbody tr.clickable').filter({ hasText: 'running' });
    await running.first().click();
    const live = page.locator('.run-detail section').filter({ hasText: 'Output (live): stdout' });
    await live.waitFor();
    const linesNow = async () => (await live.locator('pre').innerText()).trim().split('\n').length;
    const first = await linesNow();
    expect(first).toBeLessThan(10);
    // More lines arrive without a click or a reload.
    await poll(linesNow, 10_000).toBeGreaterThan(first);
    await screenshot(page, 'job-logs-live');

    const kept = page.locator('.run-detail section').filter({
      hasText: 'Output (last lines kept): stdout',
    });
    await kept.waitFor({ timeout: 15_000 });
    expect(await kept.locator('pre').innerText()).toContain('rendered report 10 of 10');
    expect(await page.locator('.run-detail .facts').innerText()).toContain('completed');
  });

  test('while Redis is down the page keeps its data and says it is stale; it recovers by itself', async () => {
    await openTab(page, url, 'jobs');
    const rows = page.locator('tbody tr');
    await poll(() => rows.count()).toBe(13);
    const banner = page.locator('#banner');
    expect(await banner.isHidden()).toBe(true);

    await redis!.stop();
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.innerText()).toMatch(
      /^Cannot refresh: cannot reach Redis at 127\.0\.0\.1:\d+; retrying.*Showing data from/s,
    );
    expect(await page.locator('#freshness').innerText()).toMatch(/^Stale since/);
    expect(await rows.count()).toBe(13);
    await screenshot(page, 'redis-down', false);

    await redis!.start();
    await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    expect(await page.locator('#freshness').innerText()).toMatch(/^Live/);
  });
});
