import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from './cli.js';

export const SUPERVISOR_CONF = fileURLToPath(
  new URL('../../deploy/supervisor/jobs-workers.conf', import.meta.url),
);

/**
 * deploy/supervisor/jobs-workers.conf under a private supervisord, with only what a test
 * host needs changed: the `jobs` binary becomes the built CLI, the directory the test
 * project, logs a temporary directory; no `user=` (the test is not root everywhere) and
 * `numprocs` as asked. Everything else — signals, stop wait, autorestart — is the file's.
 */
export class Supervisord {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-supervisor-'));
  private child: ChildProcess | undefined;

  constructor(
    private readonly projectDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly numprocs: number,
  ) {}

  get conf(): string {
    return path.join(this.dir, 'supervisord.conf');
  }

  start(): void {
    const programs = readFileSync(SUPERVISOR_CONF, 'utf8')
      .replaceAll('/usr/local/bin/jobs', `${process.execPath} ${CLI}`)
      .replace(/^directory=.*$/gm, `directory=${this.projectDir}`)
      .replace(/^user=.*\n/gm, '')
      .replace(/^numprocs=.*$/m, `numprocs=${this.numprocs}`)
      .replaceAll('/var/log/supervisor/', `${this.dir}/`);
    writeFileSync(path.join(this.dir, 'jobs-workers.conf'), programs);
    writeFileSync(
      this.conf,
      [
        '[unix_http_server]',
        `file=${this.dir}/supervisor.sock`,
        '[supervisord]',
        'nodaemon=true',
        `logfile=${this.dir}/supervisord.log`,
        `pidfile=${this.dir}/supervisord.pid`,
        `childlogdir=${this.dir}`,
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${this.dir}/supervisor.sock`,
        '[include]',
        `files = ${this.dir}/jobs-workers.conf`,
        '',
      ].join('\n'),
    );
    this.child = spawn('supervisord', ['-c', this.conf], {
      env: { ...process.env, JOBS_METRICS_ADDR: 'off', ...this.env },
      stdio: 'ignore',
    });
  }

  /** `supervisorctl status`: program name → state (RUNNING, STARTING, …). */
  status(): Map<string, string> {
    const result = spawnSync('supervisorctl', ['-c', this.conf, 'status'], { encoding: 'utf8' });
    return new Map(
      result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.trim().split(/\s+/) as [string, string]),
    );
  }

  /** SIGTERM: Supervisor stops every program as the file says, then exits. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
