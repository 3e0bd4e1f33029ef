import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliProcess } from './cli.js';
import { isRunning } from './process.js';

/**
 * Daemons as separate hosts on one machine: each its own JOBS_HOST_ID, all on one Redis,
 * prefix and definitions file, recording runs to one file.
 */
export interface HostsOptions {
  dir: string;
  prefix: string;
  /** REDIS_URL, or REDIS_CLUSTER_NODES and the like. */
  redisEnv: NodeJS.ProcessEnv;
}

export class TestHosts {
  private readonly running = new Set<CliProcess>();

  constructor(private readonly options: HostsOptions) {}

  get runsFile(): string {
    return path.join(this.options.dir, 'runs.jsonl');
  }

  start(host: string, workers = 1, env: NodeJS.ProcessEnv = {}): CliProcess {
    const { dir, prefix, redisEnv } = this.options;
    const daemon = CliProcess.start(
      ['start', '--config', path.join(dir, 'jobs.yaml'), '--workers', String(workers)],
      {
        cwd: dir,
        env: {
          ...redisEnv,
          JOBS_PREFIX: prefix,
          JOBS_HOST_ID: host,
          RUNS_FILE: this.runsFile,
          ...env,
        },
      },
    );
    this.running.add(daemon);
    return daemon;
  }

  /** Pids of a daemon's worker processes, from its log. */
  workerPids(daemon: CliProcess): number[] {
    const started = daemon.lines.filter((line) => line.msg === 'worker process started');
    const exited = new Set(
      daemon.lines
        .filter((line) => line.msg?.startsWith('worker process exited'))
        .map((l) => l.worker),
    );
    return started.map((line) => line.worker as number).filter((pid) => !exited.has(pid));
  }

  /** A lost host: the daemon and its workers die outright, no heartbeat is removed. */
  async killHost(daemon: CliProcess): Promise<void> {
    const workers = this.workerPids(daemon);
    daemon.signal('SIGKILL');
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await daemon.wait();
    this.running.delete(daemon);
  }

  /**
   * A daemon crash: SIGKILL to the daemon alone. Its workers notice the closed IPC channel,
   * finish their runs and exit; this waits until they have.
   */
  async crashDaemon(daemon: CliProcess): Promise<void> {
    const workers = this.workerPids(daemon);
    daemon.signal('SIGKILL');
    await daemon.wait();
    this.running.delete(daemon);
    for (let i = 0; i < 600 && workers.some(isRunning); i++) await sleep(50);
  }

  async stop(daemon: CliProcess): Promise<void> {
    await daemon.stop();
    this.running.delete(daemon);
  }

  /** Stops every daemon still running (and kills orphaned workers of killed ones). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((daemon) => daemon.stop()));
    this.running.clear();
  }
}
