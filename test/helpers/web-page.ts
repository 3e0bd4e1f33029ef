import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { CliProcess, uniquePrefix, writeProject } from './cli.js';

/**
 * A project as an application would have it: a dozen jobs with the names and schedules
 * of real background work, in two queues, one disabled in the file, one command job.
 * Every module job runs ./tasks.js, which records the run in $RUNS_FILE and then does
 * what its job name says: import-bank-statements reads ./statements.csv (missing until a
 * test creates it, so it fails), sync-calendar (on demand only: a tick of it would add
 * a failed run in the middle of a test) always fails, cleanup-sessions ticks
 * every 2 s so a disabled tick shows within seconds.
 */
export const REALISTIC_JOBS = `
defaults:
  timezone: Europe/Berlin
  attempts: 1
jobs:
  export-invoices:
    description: Monthly invoices to the accounting system
    schedule: '0 3 * * *'
    module: ./tasks.js
  cleanup-sessions:
    description: Delete expired login sessions
    every: 2s
    module: ./tasks.js
  sync-calendar:
    description: Pull room bookings from the calendar API, when an operator asks
    module: ./tasks.js
  send-digest-emails:
    description: Weekday morning digest to subscribers
    schedule: '0 7 * * 1-5'
    timezone: America/New_York
    module: ./tasks.js
    queue: mail
  rebuild-search-index:
    description: Full rebuild of the search index
    schedule: '30 2 * * 0'
    module: ./tasks.js
    enabled: false
  import-bank-statements:
    description: Import the bank's CSV statements
    schedule: '0 6 * * *'
    module: ./tasks.js
    attempts: 2
    backoff: { type: fixed, delay: 200ms }
  prune-audit-log:
    schedule: '15 4 * * *'
    timezone: UTC
    module: ./tasks.js
  refresh-exchange-rates:
    every: 1h
    module: ./tasks.js
    queue: reports
  backup-database:
    description: Dump the database to the backup volume
    schedule: '0 1 * * *'
    command: ['sh', '-c', 'echo "dumping 3 tables"; echo "users: 1204 rows"; echo "orders: 88310 rows"; echo done']
  generate-sitemaps:
    schedule: '0 */6 * * *'
    module: ./tasks.js
    queue: reports
  expire-trials:
    schedule: '5 0 * * *'
    module: ./tasks.js
  warm-caches:
    every: 10m
    module: ./tasks.js
`;

const TASKS = `
import { appendFileSync, readFileSync } from 'node:fs';
export default async function run(ctx) {
  appendFileSync(process.env.RUNS_FILE, JSON.stringify({ name: ctx.name, id: ctx.id, data: ctx.data ?? null, at: Date.now() }) + '\\n');
  switch (ctx.name) {
    case 'export-invoices':
      return { exported: 42, month: (ctx.data && ctx.data.month) || 'current' };
    case 'import-bank-statements': {
      const csv = readFileSync(new URL('./statements.csv', import.meta.url), 'utf8');
      return { imported: csv.trim().split('\\n').length };
    }
    case 'sync-calendar':
      throw new Error('calendar API answered 503: <html><body><h1>Service Unavailable</h1></body></html>');
    default:
      return { ok: true };
  }
}
`;

export interface WebProject {
  dir: string;
  env: NodeJS.ProcessEnv;
  config: string;
  runsFile: string;
}

/**
 * A temporary project with REALISTIC_JOBS (and `moreJobs`, entries indented as those
 * under `jobs:`), its own key prefix on the given Redis.
 */
export function realisticProject(
  redisUrl: string,
  env: NodeJS.ProcessEnv = {},
  moreJobs = '',
): WebProject {
  const dir = writeProject({ 'jobs.yaml': REALISTIC_JOBS + moreJobs, 'tasks.js': TASKS });
  const runsFile = path.join(dir, 'runs.jsonl');
  writeFileSync(runsFile, '');
  return {
    dir,
    config: path.join(dir, 'jobs.yaml'),
    runsFile,
    env: { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix(), RUNS_FILE: runsFile, ...env },
  };
}

/** `jobs start` with its HTTP server on a free loopback port; the admin page's URL. */
export async function startWebDaemon(
  project: WebProject,
  env: NodeJS.ProcessEnv = {},
): Promise<{ daemon: CliProcess; url: string }> {
  const daemon = CliProcess.start(['start', '--config', project.config], {
    cwd: project.dir,
    env: { ...project.env, JOBS_METRICS_ADDR: '127.0.0.1:0', ...env },
  });
  try {
    const line = await daemon.waitFor((l) => l.msg === 'admin page listening');
    return { daemon, url: String(line.url) };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}

/** Opens a tab of the page (`jobs`, `logs?job=x`…) and waits for its first fresh data. */
export async function openTab(page: Page, url: string, tab: string): Promise<void> {
  // A fresh load each time (a new hash alone would keep the document and any open dialog).
  await page.goto('about:blank');
  await page.goto(new URL(`#/${tab}`, url).href);
  await page.locator('.freshness.live').waitFor();
}

/** A run ./tasks.js recorded. */
export interface TaskRun {
  name: string;
  id: string;
  data: unknown;
  at: number;
}

/** The runs of one job that its handler recorded (its side effect, not what Redis says). */
export function taskRuns(project: WebProject, name: string): TaskRun[] {
  return readFileSync(project.runsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TaskRun)
    .filter((run) => run.name === name);
}

/**
 * expect.poll with a deadline that fits the page: it polls its API every 2 s (vitest's
 * default of 1 s would often end before the page has polled once).
 */
export function poll<T>(
  probe: () => T | Promise<T>,
  timeout = 10_000,
): ReturnType<typeof expect.poll<T>> {
  return expect.poll(probe, { timeout });
}
