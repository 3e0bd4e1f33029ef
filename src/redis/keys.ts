/**
 * Our own keys, beside BullMQ's, under the same prefix so that `{jobs}` hash tags keep
 * everything in one Redis Cluster slot.
 */
export function metaKey(prefix: string, name: string): string {
  return `${prefix}:meta:${name}`;
}

export const META = Object.freeze({
  /** hash: job name → JSON of the synced definition (what `jobs list` shows). */
  definitions: 'definitions',
  /** string: a random id, replaced by each sync that writes `definitions`: read them again. */
  definitionsVersion: 'definitions-version',
  /** string: lock held while one daemon makes the schedules match the file. */
  syncLock: 'sync-lock',
  /** hash: job name → JSON of its last finished run (`jobs list`). */
  lastRun: 'last-run',
  /** list: the newest runs of every job, newest first (`jobs history`). */
  history: 'history',
  /** set: ids of processes that have written a heartbeat (`jobs status`). */
  processes: 'processes',
  /**
   * hash: job name → JSON of the operator's switch (`jobs disable`): reason, who, when.
   * Apart from `definitions`, which every sync rewrites: the switch outlives syncs.
   */
  disabled: 'disabled',
  /** hash: queue → ms since it is paused by `jobs pause`. */
  paused: 'paused',
  /** string: the restart generation, raised by each `jobs restart`; also the pub/sub channel. */
  restart: 'restart',
  /** set: the per-host queues of `runOn: all` jobs (`<queue>@<host>`). */
  hostQueues: 'host-queues',
  /** hash: `<queue>@<host>` `<name>` → digest of the per-host scheduler last upserted. */
  hostSchedules: 'host-schedules',
  /**
   * string: a random id, set once (NX) by the first daemon after its sync. Gone, or
   * another id than a daemon last saw, means Redis lost its data (redis/data-loss.ts).
   */
  epoch: 'epoch',
});

/** string with a TTL: held by the active run of an `overlap: forbid` job (value: its job id). */
export function overlapLockKey(prefix: string, lockName: string): string {
  return metaKey(prefix, `running:${lockName}`);
}

/** list: the newest runs of one job, newest first (`jobs history NAME`). */
export function historyKey(prefix: string, job: string): string {
  return metaKey(prefix, `history:${job}`);
}

/** string with a TTL: one process's heartbeat; gone when the process is. */
export function heartbeatKey(prefix: string, processId: string): string {
  return metaKey(prefix, `heartbeat:${processId}`);
}

/**
 * string with a TTL: the live tail of an active command run's output (JSON `{ stdout,
 * stderr, at }`), rewritten about once a second while it prints (the admin page).
 */
export function liveOutputKey(prefix: string, queue: string, id: string): string {
  return metaKey(prefix, `output:${queue}:${id}`);
}

/** sorted set: the pause windows of a queue, `start:end` scored by end (ms). */
export function pauseWindowsKey(prefix: string, queue: string): string {
  return metaKey(prefix, `pause-windows:${queue}`);
}

/**
 * A key of BullMQ's own layout (6.x): `<prefix>:<queue>:<part>`, where part is a state
 * (`wait`, `active`, `failed`, …), `meta`, `repeat`, or a job id (the job's hash). Read
 * directly, all in queue/inspect.ts, where loading BullMQ would cost more than the read
 * (the CLI listings, the metrics gauges) or where BullMQ has no getter (a worker's pause
 * and drain checks). Its test compares the reads with BullMQ's own getters, so a layout
 * change fails there first.
 */
export function bullKey(prefix: string, queue: string, part: string): string {
  return `${prefix}:${queue}:${part}`;
}

/** BullMQ's sorted set of a queue's job schedulers (member: scheduler id, score: next tick). */
export function schedulersKey(prefix: string, queue: string): string {
  return bullKey(prefix, queue, 'repeat');
}

/** BullMQ's `delayed` sorted set scores a job `due ms × 0x1000 + n`: due = floor(score / this). */
export const DELAYED_SCORE_FACTOR = 0x1000;

/** BullMQ's hash of one job (`name`, `processedOn`, `ats` = attempts started, `atm` = made). */
export function bullJobKey(prefix: string, queue: string, id: string): string {
  return bullKey(prefix, queue, id);
}

/** BullMQ's list of a job's log lines (`job.log()`): a failed command's output tail is the last. */
export function bullJobLogsKey(prefix: string, queue: string, id: string): string {
  return bullKey(prefix, queue, `${id}:logs`);
}

/** BullMQ's lock of an active job: its value is the token `<consumer id>:<n>` of the holder. */
export function bullLockKey(prefix: string, queue: string, id: string): string {
  return bullKey(prefix, queue, `${id}:lock`);
}

/**
 * A scheduler's tick is the BullMQ job `repeat:<scheduler id>:<tick ms>`: its id names
 * the tick, so two hosts enqueueing the same tick make one job. Parsed here only.
 */
export function tickJobId(schedulerId: string, tick: number): string {
  return `repeat:${schedulerId}:${tick}`;
}

export function parseTickJobId(id: string): { schedulerId: string; tick: number } | undefined {
  if (!id.startsWith('repeat:')) return undefined;
  const last = id.lastIndexOf(':');
  const tick = Number(id.slice(last + 1));
  if (!Number.isFinite(tick) || tick <= 0) return undefined;
  return { schedulerId: id.slice('repeat:'.length, last), tick };
}
