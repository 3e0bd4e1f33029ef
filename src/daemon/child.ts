import type { ChildProcess } from 'node:child_process';
import {
  isAliveMessage,
  isReadyMessage,
  readExitReason,
  readRelayMessage,
  type ExitReason,
  type RelayMessage,
} from '../process/ipc.js';

/** What `jobs status` and the metrics say of a worker process. */
export type ChildState = 'starting' | 'idle' | 'busy' | 'blocked';

/** A run the daemon found a worker holding (in Redis), for status and the log. */
export interface ChildJob {
  id: string;
  name: string;
  queue: string;
  since: number;
}

/**
 * The daemon's view of one forked worker process: what it said over IPC (its queues and
 * consumer ids, how many jobs it runs, why it exits) and when it last said it was alive.
 * Liveness (liveness.ts) marks it blocked; the pool forks, restarts and kills it.
 */
export class ChildWorker {
  readonly forkedAt = Date.now();
  readyAt: number | undefined;
  lastAliveAt = 0;
  active = 0;
  queues: readonly string[] = [];
  consumers: readonly string[] = [];
  /** Why it said it will exit 0 (IPC), if it did. */
  exitReason: ExitReason | undefined;
  /** Replaced by a restart: told to finish and exit once its replacement is ready. */
  retiring = false;
  toldToRestart = false;
  /** Since when its event loop has not answered, while it does not. */
  blockedSince: number | undefined;
  /** The runs it held when found blocked. */
  blockedJobs: ChildJob[] = [];
  /** Why the daemon killed it, if it did: the run recovery words the failures from it. */
  killedFor: KillCause | undefined;

  constructor(
    readonly process: ChildProcess,
    readonly slot: number,
  ) {}

  get pid(): number {
    return this.process.pid ?? 0;
  }

  get exited(): boolean {
    return this.process.exitCode !== null || this.process.signalCode !== null;
  }

  get state(): ChildState {
    if (this.blockedSince !== undefined) return 'blocked';
    if (this.readyAt === undefined) return 'starting';
    return this.active > 0 ? 'busy' : 'idle';
  }

  /** Takes in one IPC message; returns a relay message for the metrics, if it was one. */
  receive(message: unknown): RelayMessage | undefined {
    if (isAliveMessage(message)) {
      this.lastAliveAt = Date.now();
      this.active = message.active;
      return undefined;
    }
    if (isReadyMessage(message)) {
      this.readyAt ??= Date.now();
      this.lastAliveAt = Date.now();
      this.queues = message.queues;
      this.consumers = message.consumers;
      return undefined;
    }
    const reason = readExitReason(message);
    if (reason) {
      this.exitReason = reason;
      return undefined;
    }
    const relayed = readRelayMessage(message);
    if (relayed) {
      // A relay batch is proof of life too, and carries the active count.
      this.lastAliveAt = Date.now();
      this.active = relayed.active;
    }
    return relayed;
  }

  send(message: object): void {
    if (this.process.connected) this.process.send(message, () => undefined);
  }
}

/** Why the daemon killed a worker outright. */
export type KillCause =
  | {
      reason: 'blocked';
      /** The runs past their timeout that blocked it, with each one's timeout. */
      culprits: { id: string; name: string; timeoutMs: number }[];
    }
  | { reason: 'stop-timeout' };
