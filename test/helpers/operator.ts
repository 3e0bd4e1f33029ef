import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject, type CliResult } from './cli.js';

/**
 * A module handler for the operator tests: records each run in $RUNS_FILE, sleeps
 * `data.sleepMs`, and fails with a two-line error while the file $FAIL_FLAG exists, so
 * a test can make a job fail and then let its retry succeed.
 */
export const SWITCHABLE_HANDLER = `
import { appendFileSync, existsSync } from 'node:fs';
export default async function run(ctx) {
  const started = Date.now();
  if (ctx.data && ctx.data.sleepMs) await new Promise((resolve) => setTimeout(resolve, ctx.data.sleepMs));
  appendFileSync(process.env.RUNS_FILE, JSON.stringify({ name: ctx.name, id: ctx.id, started, ended: Date.now() }) + '\\n');
  if (process.env.FAIL_FLAG && existsSync(process.env.FAIL_FLAG)) throw new Error('disk full on /srv\\n    at second line');
  return { ok: true };
}
`;

/** One test's project: its directory, prefix and the environment every command gets. */
export class OperatorProject {
  readonly env: NodeJS.ProcessEnv;
  readonly running: CliProcess[] = [];

  constructor(
    readonly dir: string,
    prefix: string,
    redisUrl: string,
  ) {
    this.env = {
      REDIS_URL: redisUrl,
      JOBS_PREFIX: prefix,
      RUNS_FILE: path.join(dir, 'runs.jsonl'),
      FAIL_FLAG: path.join(dir, 'fail.flag'),
    };
  }

  get config(): string {
    return path.join(this.dir, 'jobs.yaml');
  }

  startDaemon(extra: string[] = []): CliProcess {
    const daemon = CliProcess.start(['start', '--config', this.config, ...extra], {
      cwd: this.dir,
      env: this.env,
    });
    this.running.push(daemon);
    return daemon;
  }

  jobs(args: string[]): Promise<CliResult> {
    return runCli([...args, '--config', this.config], { cwd: this.dir, env: this.env });
  }

  /** Runs a listing with --json, expects exit 0 and one JSON document on stdout. */
  async json<T>(args: string[]): Promise<T> {
    const result = await this.jobs([...args, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as T;
  }

  /** Runs a listing for people and returns its rows, each split into its cells. */
  async table(args: string[]): Promise<string[][]> {
    const result = await this.jobs(args);
    expect(result.code).toBe(0);
    return parseTable(result.stdout);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((process) => process.stop()));
  }
}

/** The body rows of a table printed with no terminal: cells are separated by 2+ spaces. */
export function parseTable(text: string): string[][] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(1).map((line) => line.trim().split(/\s{2,}/));
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs}ms`);
    await sleep(250);
  }
}

/**
 * Projects whose jobs run SWITCHABLE_HANDLER as `./flaky.js`, each with its own prefix,
 * every one stopped after each test. Call at the top of a test file.
 */
export function switchableProjects(
  redisUrl: string,
): (jobsYaml: string, url?: string) => OperatorProject {
  const projects: OperatorProject[] = [];
  afterEach(async () => {
    await Promise.all(projects.splice(0).map((project) => project.stopAll()));
  });
  return (jobsYaml, url = redisUrl) => {
    const dir = writeProject({ 'jobs.yaml': jobsYaml, 'flaky.js': SWITCHABLE_HANDLER });
    const project = new OperatorProject(dir, uniquePrefix(), url);
    projects.push(project);
    return project;
  };
}
