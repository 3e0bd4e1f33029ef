import os from 'node:os';
import { PACKAGE_VERSION } from '../process/version.js';
import { closeWithin } from '../process/deadline.js';
import type { RedisClient } from '../redis/connection.js';
import type { JobsEventBus } from '../events.js';
import { heartbeatKey, META, metaKey } from '../redis/keys.js';

/**
 * Every daemon and worker process writes a heartbeat this often: a key that expires after
 * HEARTBEAT_TTL_MS. Three missed beats and the process drops out of `jobs status`, so a
 * worker killed outright (SIGKILL, OOM, host lost) is gone from it within 15 s; one that
 * stops cleanly deletes its key at once.
 */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TTL_MS = 15_000;

export interface CurrentJob {
  id: string;
  name: string;
  queue: string;
  since: number;
}

/** What a daemon says of one of its forked workers (daemon/child.ts). */
export interface WorkerSummary {
  pid: number;
  state: 'starting' | 'idle' | 'busy' | 'blocked';
  startedAt: number;
  /** Blocked: since when its event loop has not answered, and the runs it holds. */
  blockedSince?: number;
  jobs?: CurrentJob[];
}

/** What one process says about itself in its heartbeat. */
export interface ProcessBeat {
  id: string;
  host: string;
  pid: number;
  role: 'daemon' | 'worker';
  /** A worker forked by a daemon: the daemon's pid. */
  parentPid?: number;
  startedAt: number;
  beatAt: number;
  /** The jobs-daemon version this process loaded when it started. */
  version: string;
  /** JOBS_HOST_ROLES of its host (absent from versions before roles). */
  roles?: string[];
  queues: string[];
  /** Runs this process finished (completed or failed). */
  jobsDone: number;
  current: CurrentJob[];
  /** A daemon: its forked workers' states. */
  workers?: WorkerSummary[];
  /** A forked worker, from its daemon's beat: blocked (its own beat stops while it is). */
  state?: WorkerSummary['state'];
  blockedSince?: number;
}

export interface HeartbeatOptions {
  client: RedisClient;
  prefix: string;
  role: ProcessBeat['role'];
  queues: readonly string[];
  /** Job events to count runs and know the current ones (a worker's bus). */
  bus?: JobsEventBus;
  parentPid?: number;
  /** This host's id (JOBS_HOST_ID); default: the hostname. */
  host?: string;
  /** This host's roles (JOBS_HOST_ROLES). */
  roles?: readonly string[];
  /** A daemon: its workers' states, written with each beat. */
  workers?: () => WorkerSummary[];
}

/** Writes this process's heartbeat until stop(), which removes it. */
export class Heartbeat {
  private readonly beat: ProcessBeat;
  private readonly current = new Map<string, CurrentJob>();
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    const host = options.host ?? os.hostname();
    this.beat = {
      id: `${host}:${process.pid}`,
      host,
      pid: process.pid,
      role: options.role,
      ...(options.parentPid ? { parentPid: options.parentPid } : {}),
      startedAt: Date.now(),
      beatAt: 0,
      version: PACKAGE_VERSION,
      roles: [...(options.roles ?? [])],
      queues: [...options.queues],
      jobsDone: 0,
      current: [],
    };
    const bus = options.bus;
    if (!bus) return;
    bus.on('job:started', (e) =>
      this.current.set(e.id, { id: e.id, name: e.name, queue: e.queue, since: e.startedAt }),
    );
    for (const event of ['job:completed', 'job:failed'] as const) {
      bus.on(event, (e) => {
        this.current.delete(e.id);
        this.beat.jobsDone++;
      });
    }
    bus.on('job:returned', (e) => this.current.delete(e.id));
  }

  start(): void {
    if (this.timer || this.stopping) return;
    void this.write();
    this.timer = setInterval(() => void this.write(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Writes a beat now (a worker's state changed), besides the regular ones. */
  beatNow(): void {
    if (this.timer && !this.stopping) void this.write();
  }

  /** Stops beating and deletes the heartbeat, so the process leaves `jobs status` at once. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.remove();
    return this.stopping;
  }

  private async write(): Promise<void> {
    const { client, prefix } = this.options;
    this.beat.beatAt = Date.now();
    this.beat.current = [...this.current.values()];
    if (this.options.workers) this.beat.workers = this.options.workers();
    await client
      .multi()
      .set(heartbeatKey(prefix, this.beat.id), JSON.stringify(this.beat), 'PX', HEARTBEAT_TTL_MS)
      .sadd(metaKey(prefix, META.processes), this.beat.id)
      .exec()
      .catch(() => undefined); // Redis away: the key expires and we reappear when it is back
  }

  private async remove(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await closeWithin(1_000, () =>
      removeHeartbeat(this.options.client, this.options.prefix, this.beat.id),
    );
  }
}

/**
 * Deletes a process's heartbeat: its own at a clean stop, or a dead worker's by its
 * daemon, so that `jobs status` drops it at once instead of when its key expires.
 */
export async function removeHeartbeat(
  client: RedisClient,
  prefix: string,
  id: string,
): Promise<void> {
  await client
    .multi()
    .del(heartbeatKey(prefix, id))
    .srem(metaKey(prefix, META.processes), id)
    .exec()
    .catch(() => undefined);
}

/**
 * The live processes, from their heartbeats; ids whose key expired are removed from the
 * set. A forked worker takes its state from its daemon's beat: a blocked one has stopped
 * beating itself, so it is shown from there, with the runs it holds.
 */
export async function readHeartbeats(client: RedisClient, prefix: string): Promise<ProcessBeat[]> {
  const setKey = metaKey(prefix, META.processes);
  const ids = await client.smembers(setKey);
  if (ids.length === 0) return [];
  const values = await client.mget(ids.map((id) => heartbeatKey(prefix, id)));
  const dead = ids.filter((_, index) => values[index] === null);
  if (dead.length > 0) await client.srem(setKey, ...dead);
  const beats = values.flatMap((value) => (value ? [JSON.parse(value) as ProcessBeat] : []));
  return withWorkerStates(beats).sort(
    (a, b) => a.host.localeCompare(b.host) || a.startedAt - b.startedAt,
  );
}

function withWorkerStates(beats: ProcessBeat[]): ProcessBeat[] {
  const byId = new Map(beats.map((beat) => [beat.id, beat]));
  for (const daemon of beats) {
    for (const worker of daemon.workers ?? []) {
      const id = `${daemon.host}:${worker.pid}`;
      const own = byId.get(id);
      if (own) {
        own.state = worker.state;
        // Its own beat was written before the handler blocked it: the daemon knows better.
        if (worker.blockedSince !== undefined) {
          own.blockedSince = worker.blockedSince;
          own.current = worker.jobs ?? own.current;
        }
        continue;
      }
      if (worker.state !== 'blocked') continue; // starting, or gone: its own beat will say
      const synthesized: ProcessBeat = {
        id,
        host: daemon.host,
        pid: worker.pid,
        role: 'worker',
        parentPid: daemon.pid,
        startedAt: worker.startedAt,
        beatAt: daemon.beatAt,
        version: daemon.version,
        queues: [],
        jobsDone: 0,
        current: worker.jobs ?? [],
        state: 'blocked',
        blockedSince: worker.blockedSince,
      };
      byId.set(id, synthesized);
      beats.push(synthesized);
    }
  }
  return beats;
}
