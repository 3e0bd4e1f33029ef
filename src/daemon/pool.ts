import { setTimeout as sleep } from 'node:timers/promises';
import type { JobsEventBus } from '../events.js';
import type { WorkerStates } from '../metrics/gauges.js';
import { RELAY_ENV, RESTART_MESSAGE, SLOT_ENV } from '../process/ipc.js';
import { settlesWithin } from '../process/deadline.js';
import type { TallyData } from '../metrics/run-tally.js';
import { ChildWorker, type KillCause } from './child.js';
import { forkWorker, SpareWorker } from './spare.js';

/** Crash backoff: 1s, 2s, 4s … 30s; a worker that ran this long resets it. */
const CRASH_BACKOFF_BASE_MS = 1_000;
const CRASH_BACKOFF_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
/**
 * A slot's crash count and the wait before its next fork, after a worker that ran `ranMs`
 * crashed with `crashes` crashes before it: a worker that ran HEALTHY_AFTER_MS counts as
 * the first crash again.
 */
export function crashBackoff(crashes: number, ranMs: number): { crashes: number; delayMs: number } {
  const count = ranMs > HEALTHY_AFTER_MS ? 1 : crashes + 1;
  return {
    crashes: count,
    delayMs: Math.min(CRASH_BACKOFF_BASE_MS * 2 ** (count - 1), CRASH_BACKOFF_MAX_MS),
  };
}

/** How long a crash waits to learn whether it held runs (run-recovery.ts) before backing off. */
const CRASH_CHECK_MS = 2_000;
/** A worker asked to stop gets its stop timeout plus this before SIGKILL. */
const KILL_MARGIN_MS = 10_000;
/**
 * A new spare is forked this long after its slot's worker started, so that the two do
 * not compete for the CPU while the worker starts.
 */
export const SPARE_FORK_DELAY_MS = 1_000;

interface Slot {
  index: number;
  child?: ChildWorker;
  /** Workers this slot replaced on a restart, finishing their jobs. */
  retiring: ChildWorker[];
  crashes: number;
  timer?: NodeJS.Timeout;
  /** The slot's next worker after a crash or recycling, already started (spare.ts). */
  spare?: SpareWorker;
  spareTimer?: NodeJS.Timeout;
}

/** How a worker process ended, for the run recovery. */
export interface ChildExit {
  child: ChildWorker;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Exit 0 on purpose (restart, recycling, stop), as opposed to a crash or a kill. */
  planned: boolean;
}

export interface PoolOptions {
  size: number;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  stopTimeoutMs: number;
  bus: JobsEventBus;
  /**
   * Where the children's run metrics go (the daemon's metrics). Not on `bus`: each child
   * logs its own runs already. Unset: children relay nothing.
   */
  relay?: (tally: TallyData) => void;
  /** Keep a pre-started replacement per slot for crashes and recycling (spare.ts). */
  spares: boolean;
  /**
   * Every exit of a worker (the daemon recovers its runs); resolves with how many runs it
   * held. A crash under a run is the run's fault, not the worker's: no backoff for it.
   */
  onExit?: (exit: ChildExit) => Promise<number>;
}

/**
 * Supervises `size` worker processes: forks them, replaces one that exits (at once when
 * it exited 0 on purpose, with backoff when it crashed), restarts them all in phases,
 * and stops them all on shutdown.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: PoolOptions) {}

  start(): void {
    for (let index = 0; index < this.options.size; index++) {
      const slot: Slot = { index, retiring: [], crashes: 0 };
      this.slots.push(slot);
      this.spawn(slot, { fresh: true });
    }
  }

  /** Every live worker process, replacements and retiring ones alike. */
  children(): ChildWorker[] {
    return this.slots.flatMap((slot) => [
      ...(slot.child && !slot.child.exited ? [slot.child] : []),
      ...slot.retiring.filter((child) => !child.exited),
    ]);
  }

  pids(): number[] {
    return this.children().map((child) => child.pid);
  }

  /** Live worker processes by state (a starting one counts as idle: it runs nothing). */
  workerStates(): WorkerStates {
    const states: WorkerStates = { busy: 0, idle: 0, blocked: 0 };
    for (const child of this.children()) {
      const state = child.state;
      states[state === 'starting' ? 'idle' : state]++;
    }
    return states;
  }

  /**
   * A phased restart (SIGHUP, `jobs restart`): each slot gets a new process at once,
   * forked now so that it loads the code on disk now (never a spare started earlier);
   * its old process keeps taking jobs until the new one is consuming, then finishes its
   * jobs and exits 0. A new process that cannot start leaves the old one serving.
   */
  restartAll(): void {
    if (this.stopping) return;
    for (const slot of this.slots) {
      // Spares hold code loaded before this restart: they must not serve after it.
      this.disposeSpare(slot);
      const old = slot.child;
      if (!old) continue; // waiting out a crash backoff: its next process is forked fresh
      old.retiring = true;
      slot.retiring.push(old);
      slot.child = undefined;
      this.options.bus.emit('worker:restarting', {
        slot: slot.index,
        reason: 'restart',
        delayMs: 0,
      });
      this.spawn(slot, { fresh: true });
    }
  }

  /** Kills a worker outright (SIGKILL); the cause words its runs' failures. */
  kill(child: ChildWorker, cause: KillCause): void {
    if (child.exited || child.killedFor) return;
    child.killedFor = cause;
    this.options.bus.emit('worker:killed', {
      pid: child.pid,
      slot: child.slot,
      reason: cause.reason,
      jobs: cause.reason === 'blocked' ? cause.culprits.map(({ id, name }) => ({ id, name })) : [],
    });
    child.process.kill('SIGKILL');
  }

  /** Stops every worker (SIGTERM, then SIGKILL past the stop timeout). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** A second signal: forward it, so each worker aborts its jobs now. */
  forceStop(): void {
    for (const child of this.children()) child.process.kill('SIGTERM');
  }

  private spawn(slot: Slot, { fresh }: { fresh: boolean }): void {
    const env = this.childEnv(slot);
    const spare = fresh ? undefined : slot.spare;
    if (spare) slot.spare = undefined;
    const process = spare?.alive ? spare.activate() : forkWorker(this.options.args, env);
    if (spare && process !== spare.child) spare.dispose();
    this.disposeSpare(slot);
    if (this.options.spares) {
      slot.spareTimer = setTimeout(() => {
        slot.spareTimer = undefined;
        if (!this.stopping) slot.spare = new SpareWorker(this.options.args, env);
      }, SPARE_FORK_DELAY_MS);
    }
    const child = new ChildWorker(process, slot.index);
    slot.child = child;
    process.on('message', (message) => {
      const relayed = child.receive(message);
      // A child's last messages can arrive after its 'exit': count them all the same.
      if (relayed && this.options.relay) this.options.relay(relayed.tally);
      if (child.readyAt !== undefined && slot.child === child) this.retireOld(slot);
    });
    if (child.pid) this.options.bus.emit('worker:spawned', { pid: child.pid, slot: slot.index });
    process.once('exit', (code, signal) => this.onExit(slot, child, code, signal));
  }

  private childEnv(slot: Slot): NodeJS.ProcessEnv {
    return {
      ...this.options.env,
      [SLOT_ENV]: String(slot.index),
      [RELAY_ENV]: this.options.relay ? '1' : '0',
    };
  }

  /** The slot's new worker is consuming: its predecessors may now finish and exit. */
  private retireOld(slot: Slot): void {
    for (const old of slot.retiring) {
      if (old.toldToRestart) continue;
      old.toldToRestart = true;
      // One still starting may not listen for messages yet; it holds a SIGTERM until it
      // can stop cleanly (process/signals.ts), which is the same graceful stop.
      if (old.readyAt === undefined) old.process.kill('SIGTERM');
      else old.send(RESTART_MESSAGE);
    }
  }

  private disposeSpare(slot: Slot): void {
    if (slot.spareTimer) clearTimeout(slot.spareTimer);
    slot.spareTimer = undefined;
    slot.spare?.dispose();
    slot.spare = undefined;
  }

  private onExit(
    slot: Slot,
    child: ChildWorker,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    // Exit 0 is a worker that finished on purpose; it said why over IPC before exiting.
    const planned = code === 0 && !child.killedFor;
    const reason = child.killedFor
      ? `killed (${child.killedFor.reason})`
      : this.stopping
        ? 'stop'
        : planned
          ? (child.exitReason ?? 'restart')
          : 'crash';
    this.options.bus.emit('worker:exited', {
      pid: child.pid,
      slot: slot.index,
      code,
      signal,
      reason,
    });
    const held = this.options.onExit?.({ child, code, signal, planned }) ?? Promise.resolve(0);
    if (slot.retiring.includes(child)) {
      slot.retiring = slot.retiring.filter((entry) => entry !== child);
      return; // replaced already
    }
    if (slot.child !== child) return;
    slot.child = undefined;
    if (this.stopping) return;
    if (planned || child.killedFor) {
      this.respawn(slot, planned ? (child.exitReason ?? 'restart') : 'crash', 0);
      return;
    }
    // Wait (briefly) to learn whether it died under a run: a handler that calls
    // process.exit must not slow the pool down; a worker that dies on its own must.
    void Promise.race([held.catch(() => 0), sleep(CRASH_CHECK_MS).then(() => 0)]).then((runs) => {
      if (runs > 0) return this.respawn(slot, 'crash', 0);
      const backoff = crashBackoff(slot.crashes, Date.now() - child.forkedAt);
      slot.crashes = backoff.crashes;
      this.respawn(slot, 'crash', backoff.delayMs);
    });
  }

  private respawn(slot: Slot, reason: string, delayMs: number): void {
    if (this.stopping) return;
    if (delayMs === 0 && reason !== 'crash') slot.crashes = 0;
    this.options.bus.emit('worker:restarting', { slot: slot.index, reason, delayMs });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!this.stopping) this.spawn(slot, { fresh: false });
    }, delayMs);
  }

  private async stopAll(): Promise<void> {
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      this.disposeSpare(slot);
    }
    const children = this.children();
    const exits = children.map((child) => {
      const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
      child.process.kill('SIGTERM');
      return exited;
    });
    const all = Promise.all(exits);
    if (!(await settlesWithin(all, this.options.stopTimeoutMs + KILL_MARGIN_MS))) {
      for (const child of this.children()) this.kill(child, { reason: 'stop-timeout' });
      await all;
    }
  }
}
