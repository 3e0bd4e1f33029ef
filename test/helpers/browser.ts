import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterEach } from 'vitest';

/** Debian's Chromium; playwright-core brings no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags that keep Chromium off the network (this machine has none outside loopback):
 * without them it fetches component updates, sync and safe-browsing lists, and a QUIC
 * probe, and a closed network makes those hang or log errors into the test output.
 */
const OFFLINE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1280, height: 800 };
/** An iPhone 12-15's CSS viewport. */
export const PHONE: Viewport = { width: 390, height: 844 };

/** A headless Chromium with a fresh profile directory, removed again by close(). */
export class Browser {
  private constructor(
    readonly context: BrowserContext,
    private readonly profileDir: string,
  ) {}

  static async launch(viewport: Viewport = DESKTOP): Promise<Browser> {
    const profileDir = mkdtempSync(path.join(os.tmpdir(), 'jobs-chromium-'));
    try {
      const context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        args: OFFLINE_ARGS,
        viewport,
        // Not UTC, so that the page's "your time · UTC" columns differ in screenshots.
        timezoneId: 'Europe/Berlin',
        locale: 'en-GB',
        timeout: 30_000,
      });
      return new Browser(context, profileDir);
    } catch (error) {
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A new tab; its console errors and uncaught exceptions are kept for assertions. */
  async newPage(viewport?: Viewport): Promise<WatchedPage> {
    const page = await this.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    return new WatchedPage(page);
  }

  /** Closes every tab and the browser process, then removes the profile. Safe to call twice. */
  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }
}

/** A tab plus what went wrong in it: script errors the page itself would not show. */
export class WatchedPage {
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()}`);
    });
  }
}

const SCREENSHOT_DIR = path.resolve('test-output', 'screenshots');
const DOCS_SCREENSHOT_DIR = path.resolve('docs', 'screenshots');

/**
 * A PNG (of the whole page, or what the viewport shows) into test-output/screenshots/ on
 * every run, and into docs/screenshots/ too when UPDATE_SCREENSHOTS=1 (the set the docs
 * show). Returns the test-output path.
 */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  const dirs = [SCREENSHOT_DIR];
  if (process.env.UPDATE_SCREENSHOTS === '1') dirs.push(DOCS_SCREENSHOT_DIR);
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({
      path: path.join(dir, `${name}.png`),
      fullPage,
      animations: 'disabled',
    });
  }
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}

/** How far the document is wider than the viewport (0: no page-wide horizontal scroll). */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string, evaluated in the page: the tests' TypeScript has no DOM types (it is Node code).
  return Number(
    await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    ),
  );
}

/**
 * After a failed test, a PNG of the page as it was (test-output/screenshots/failed-*.png)
 * and its URL in the log: what the browser showed is most of the story. Call at the top
 * of a test file.
 */
export function screenshotFailures(pageOf: () => Page | undefined): void {
  let count = 0;
  afterEach(async ({ task }) => {
    const page = pageOf();
    if (task.result?.state !== 'fail' || !page) return;
    const file = await screenshot(page, `failed-${++count}`).catch(() => 'none');
    console.log(`"${task.name}" failed on ${page.url()}; screenshot: ${file}`);
  });
}
