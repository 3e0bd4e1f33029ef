import { fork, type ChildProcess } from 'node:child_process';
import { WORKER_ENTRY } from '../worker/entry-args.js';
import { ACTIVATE_MESSAGE, isStandbyMessage, STANDBY_ENV } from '../process/ipc.js';

/**
 * Forks a worker process (`worker/main.ts`, what `jobs work` runs). Detached (own process group): a terminal's Ctrl-C or a group-wide
 * SIGTERM reaches the daemon only, which forwards one SIGTERM; otherwise each worker
 * would see two signals and take the second as "force". A worker whose daemon dies
 * notices the closed IPC channel and stops gracefully.
 */
export function forkWorker(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return fork(WORKER_ENTRY, args, {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
}

/**
 * A slot's replacement, started ahead of time. A worker's start-up is mostly Node loading
 * modules (a second or more on a busy host); a spare has done that already, so a
 * restarted or recycled worker is replaced in a fraction of it. It holds no Redis
 * connection and has read no definitions until activated; the cost is its memory
 * (about 60 MB) while it waits. A spare never serves a restart (its code would predate
 * the deploy the restart is for): only crashes and recycling.
 */
export class SpareWorker {
  readonly child: ChildProcess;
  private ready = false;
  private wanted = false;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = forkWorker(args, { ...env, [STANDBY_ENV]: '1' });
    this.child.on('message', (message) => {
      if (!isStandbyMessage(message)) return;
      this.ready = true;
      if (this.wanted) this.sendActivate();
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  /** Makes it a worker: now if it is waiting, or as soon as it is. */
  activate(): ChildProcess {
    this.wanted = true;
    if (this.ready) this.sendActivate();
    return this.child;
  }

  /** Not needed after all (the daemon stops): a waiting spare exits 0 on SIGTERM. */
  dispose(): void {
    if (this.alive) this.child.kill('SIGTERM');
  }

  private sendActivate(): void {
    if (this.child.connected) this.child.send(ACTIVATE_MESSAGE, () => undefined);
  }
}
