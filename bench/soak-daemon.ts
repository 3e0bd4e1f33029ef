import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI, CliProcess } from '../test/helpers/cli.js';
import { isAlive, ProcessTracker } from './soak-processes.js';
import type { SoakProject } from './soak-project.js';
import { within } from './soak-util.js';

/** How the daemon ended: `forced` when it had to be SIGKILLed past the deadline. */
export interface DaemonExit {
  code: number | null;
  signal: string | null;
  forced: boolean;
}

/**
 * The `jobs start --workers 2` under test, with its JSON log lines, its /readyz and
 * /metrics, and every process it forked (noted each second, killed at the end if alive).
 */
export class SoakDaemon {
  readonly process: CliProcess;
  private readonly tracker: ProcessTracker;
  private readonly sampler: NodeJS.Timeout;

  constructor(
    project: SoakProject,
    private readonly metricsPort: number,
    env: NodeJS.ProcessEnv,
  ) {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'start',
        '--config',
        project.config,
        '--workers',
        '2',
        '--metrics-addr',
        `127.0.0.1:${metricsPort}`,
      ],
      {
        cwd: project.dir,
        env: { ...process.env, JOBS_LOG_FORMAT: 'json', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own group: a Ctrl-C reaches the soak only, which stops the daemon once.
        detached: true,
      },
    );
    this.process = new CliProcess(child);
    this.tracker = new ProcessTracker(child.pid ?? 0);
    this.sampler = setInterval(() => this.tracker.sample(), 1_000);
  }

  get pid(): number {
    return this.process.pid;
  }

  private get running(): boolean {
    const child = this.process.child;
    return child.exitCode === null && child.signalCode === null;
  }

  async waitReady(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.ready())) {
      if (!this.running)
        throw new Error(`the daemon exited at start:\n${this.process.stderr.slice(-2_000)}`);
      if (Date.now() > deadline)
        throw new Error(`the daemon was not ready within ${timeoutMs / 1000}s`);
      await sleep(250, undefined, { signal });
    }
  }

  private async ready(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.metricsPort}/readyz`, {
        signal: AbortSignal.timeout(2_000),
      });
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Its worker processes now, from its log lines `worker process started` / `exited`. */
  liveWorkers(): number[] {
    const live = new Set<number>();
    for (const line of this.process.lines) {
      if (typeof line.worker !== 'number') continue;
      if (line.msg === 'worker process started') live.add(line.worker);
      else if (String(line.msg).startsWith('worker process exited')) live.delete(line.worker);
    }
    return [...live].filter(isAlive);
  }

  /** Worker exits by the reason the daemon logged (crash, restart, stop, …). */
  workerExits(): Record<string, number> {
    const exits: Record<string, number> = {};
    for (const line of this.process.lines)
      if (String(line.msg).startsWith('worker process exited'))
        exits[String(line.reason)] = (exits[String(line.reason)] ?? 0) + 1;
    return exits;
  }

  /** jobs_worker_restarts_total by reason, or undefined when /metrics does not answer. */
  async restartsMetric(): Promise<Record<string, number> | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, {
        signal: AbortSignal.timeout(3_000),
      });
      const counts: Record<string, number> = {};
      for (const match of (await response.text()).matchAll(
        /^jobs_worker_restarts_total\{reason="([^"]+)"\} (\S+)$/gm,
      ))
        counts[match[1] as string] = Number(match[2]);
      return counts;
    } catch {
      return undefined;
    }
  }

  /** SIGTERM, SIGKILL past `timeoutMs`; then kills what it left behind, and names those. */
  async stop(timeoutMs: number): Promise<{ exit: DaemonExit; strays: number[] }> {
    const child = this.process.child;
    clearInterval(this.sampler);
    this.tracker.sample();
    let forced = false;
    if (this.running) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await within(exited, timeoutMs, 'daemon exit').catch(() => {
        forced = true;
        child.kill('SIGKILL');
        return exited;
      });
    }
    // Its workers see the IPC channel close and stop: give them a moment.
    const deadline = Date.now() + 5_000;
    while (this.tracker.alive().length > 0 && Date.now() < deadline) await sleep(250);
    return {
      exit: { code: child.exitCode, signal: child.signalCode, forced },
      strays: this.tracker.killAll(),
    };
  }

  /** For a second Ctrl-C: everything at once. */
  killNow(): void {
    clearInterval(this.sampler);
    this.process.child.kill('SIGKILL');
    this.tracker.killAll();
  }
}
