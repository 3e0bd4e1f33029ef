import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI, run as an operator or systemd would: `node dist/cli/main.js`. */
export const CLI = findBuiltCli();

/** From test/helpers (or its compiled copy under dist-bench), up to the package's dist/. */
function findBuiltCli(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'cli', 'main.js');
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root above test/helpers');
    dir = parent;
  }
}

export function uniquePrefix(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

/** A temporary directory with a definitions file (and any handler files) in it. */
export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Another copy of the CLI (an upgraded package); default: this checkout's build. */
  cli?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function childEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Machine JSON logs, no .env of the developer's, metrics off unless a test asks.
  return { ...process.env, JOBS_LOG_FORMAT: 'json', JOBS_METRICS_ADDR: 'off', ...env };
}

/** Runs a one-shot command to its end. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `jobs ${args.join(' ')} did not finish in ${options.timeoutMs ?? 30_000}ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Let the pipes drain: a large output (5 MB of `list --json`) is still arriving after
      // the exit. A grandchild holding them open must not hold the result back for long.
      const drained = new Promise((resolve) => child.once('close', resolve));
      void Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2_000))]).then(() =>
        resolve({ code, stdout, stderr }),
      );
    });
  });
}

export interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

/** A long-running `jobs start` or `jobs work`, with its JSON log lines collected. */
export class CliProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;
  private buffer = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.trim()) continue;
        try {
          this.lines.push(JSON.parse(part) as LogLine);
        } catch {
          this.lines.push({ msg: part });
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(args: string[], options: RunOptions = {}): CliProcess {
    const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new CliProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Waits until a log line matches, or fails with the log so far. */
  async waitFor(match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (this.child.exitCode !== null)
        throw new Error(
          `process exited (${this.child.exitCode}) before the expected line\n${this.stderr}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `no matching log line within ${timeoutMs}ms; stderr: ${this.stderr}\nlast lines: ${JSON.stringify(this.lines.slice(-5))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  count(match: (line: LogLine) => boolean): number {
    return this.lines.filter(match).length;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM and wait for the exit code (SIGKILL after the timeout). */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  wait(): Promise<number | null> {
    return this.exited;
  }
}

export const isJob = (name: string, msg: string) => (line: LogLine) =>
  line.job === name && line.msg === msg;
