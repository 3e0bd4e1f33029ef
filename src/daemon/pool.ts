import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobsEventBus } from '../events.js';
import type { WorkerStates } from '../metrics/gauges.js';
import { readRelayMessage, RELAY_ENV, replayRelayed } from '../metrics/relay.js';
import { forkWorker, SpareWorker } from './spare.js';
import { readExitReason, RESTART_MESSAGE, type ExitReason } from './worker-messages.js';

/** Crash backoff: 1s, 2s, 4s … 30s; a worker that ran this long resets it. */
const CRASH_BACKOFF_BASE_MS = 1_000;
const CRASH_BACKOFF_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
/** A worker asked to stop gets its stop timeout plus this before SIGKILL. */
const KILL_MARGIN_MS = 10_000;
/**
 * A new spare is forked this long after its slot's worker started, so that the two do
 * not compete for the CPU while the worker starts.
 */
export const SPARE_FORK_DELAY_MS = 1_000;

interface Slot {
  index: number;
  child?: ChildProcess;
  startedAt: number;
  crashes: number;
  /** Jobs the child reported running, from its relayed events. */
  active: number;
  /** Why the child said it is exiting (IPC), if it did. */
  exitReason?: ExitReason;
  timer?: NodeJS.Timeout;
  /** The slot's next worker, already started (spare.ts). */
  spare?: SpareWorker;
  spareTimer?: NodeJS.Timeout;
}

export interface PoolOptions {
  size: number;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  stopTimeoutMs: number;
  bus: JobsEventBus;
  /**
   * Where the children's run events go (for the daemon's metrics). Separate from `bus`
   * because each child logs its own events already. Unset: children relay nothing.
   */
  relay?: JobsEventBus;
  /** Keep a pre-started replacement per worker (spare.ts); false saves its memory. */
  spares: boolean;
}

/**
 * Supervises `size` worker processes: forks them, replaces one that exits (at once when
 * it exited 0 on purpose, with backoff when it crashed), and stops them all on shutdown.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: PoolOptions) {}

  start(): void {
    for (let index = 0; index < this.options.size; index++) {
      const slot: Slot = { index, startedAt: 0, crashes: 0, active: 0 };
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  pids(): number[] {
    return this.slots.flatMap((slot) => (slot.child?.pid ? [slot.child.pid] : []));
  }

  /** Live children running at least one job (busy) or none (idle). */
  workerStates(): WorkerStates {
    const states: WorkerStates = { busy: 0, idle: 0 };
    for (const slot of this.slots) {
      if (!slot.child) continue;
      if (slot.active > 0) states.busy++;
      else states.idle++;
    }
    return states;
  }

  /** Graceful restart of every worker: each finishes its jobs, exits 0 and is replaced. */
  restartAll(): void {
    for (const slot of this.slots) {
      const child = slot.child;
      if (child?.connected) child.send(RESTART_MESSAGE, () => undefined);
    }
  }

  /** Stops every worker (SIGTERM, then SIGKILL past the stop timeout). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** A second signal: forward it, so each worker aborts its jobs now. */
  forceStop(): void {
    for (const slot of this.slots) slot.child?.kill('SIGTERM');
  }

  private spawn(slot: Slot): void {
    const relay = this.options.relay;
    const env = {
      ...this.options.env,
      JOBS_WORKER_SLOT: String(slot.index),
      [RELAY_ENV]: relay ? '1' : '0',
    };
    const spare = slot.spare;
    slot.spare = undefined;
    const child = spare?.alive ? spare.activate() : forkWorker(this.options.args, env);
    if (spare && child !== spare.child) spare.dispose();
    if (this.options.spares) {
      slot.spareTimer = setTimeout(() => {
        slot.spareTimer = undefined;
        if (!this.stopping) slot.spare = new SpareWorker(this.options.args, env);
      }, SPARE_FORK_DELAY_MS);
    }
    slot.child = child;
    slot.startedAt = Date.now();
    slot.active = 0;
    slot.exitReason = undefined;
    child.on('message', (message) => {
      const reason = readExitReason(message);
      if (reason && slot.child === child) slot.exitReason = reason;
      const relayed = relay ? readRelayMessage(message) : undefined;
      if (!relay || !relayed) return;
      // A child's last messages can arrive after its 'exit': count them all the same.
      if (slot.child === child) slot.active = relayed.active;
      replayRelayed(relay, relayed);
    });
    if (child.pid) this.options.bus.emit('worker:spawned', { pid: child.pid, slot: slot.index });
    child.once('exit', (code, signal) => this.onExit(slot, child, code, signal));
  }

  private onExit(
    slot: Slot,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (slot.child !== child) return;
    slot.child = undefined;
    slot.active = 0;
    // Exit 0 is a worker that finished on purpose; it said why over IPC before exiting.
    const planned = code === 0;
    const reason = this.stopping ? 'stop' : planned ? (slot.exitReason ?? 'restart') : 'crash';
    this.options.bus.emit('worker:exited', {
      pid: child.pid ?? 0,
      slot: slot.index,
      code,
      signal,
      reason,
    });
    if (this.stopping) return;
    if (planned) {
      slot.crashes = 0;
    } else {
      slot.crashes = Date.now() - slot.startedAt > HEALTHY_AFTER_MS ? 1 : slot.crashes + 1;
    }
    const delayMs = planned
      ? 0
      : Math.min(CRASH_BACKOFF_BASE_MS * 2 ** (slot.crashes - 1), CRASH_BACKOFF_MAX_MS);
    this.options.bus.emit('worker:restarting', { slot: slot.index, reason, delayMs });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!this.stopping) this.spawn(slot);
    }, delayMs);
  }

  private async stopAll(): Promise<void> {
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      if (slot.spareTimer) clearTimeout(slot.spareTimer);
      slot.spare?.dispose();
    }
    const exits = this.slots.flatMap((slot) => {
      const child = slot.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return [];
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      return [exited.then(() => undefined)];
    });
    const all = Promise.all(exits);
    const done = await Promise.race([
      all.then(() => true),
      sleep(this.options.stopTimeoutMs + KILL_MARGIN_MS).then(() => false),
    ]);
    if (!done) {
      for (const slot of this.slots) slot.child?.kill('SIGKILL');
      await all;
    }
  }
}
