import type { JobsEventBus } from '../events.js';
import type { RedisClient } from '../redis/connection.js';
import { liveOutputKey } from '../redis/keys.js';

/**
 * The live output of running commands, for the admin page to follow: each active run
 * that prints keeps the tail of its stdout and stderr here, written to Redis at most
 * once per FLUSH_MS under a key that expires TTL_MS later. A run that prints nothing
 * costs nothing; when a run ends its key is deleted (its tail is kept with the run).
 */
export const LIVE_OUTPUT_FLUSH_MS = 1_000;
const TTL_MS = 10_000;
/** Per stream, as the tail kept with a finished run (run-command.ts OUTPUT_TAIL_BYTES). */
const TAIL_CHARS = 64 * 1024;

export interface LiveOutputShape {
  stdout: string;
  stderr: string;
  /** ms: when it was written. */
  at: number;
}

interface Tail {
  queue: string;
  id: string;
  stdout: string;
  stderr: string;
  dirty: boolean;
}

export interface LiveOutput {
  stop(): void;
}

export function publishLiveOutput(
  bus: JobsEventBus,
  client: RedisClient,
  prefix: string,
): LiveOutput {
  const tails = new Map<string, Tail>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const dirty = [...tails.values()].filter((tail) => tail.dirty);
    if (dirty.length === 0) return;
    const multi = client.multi();
    const at = Date.now();
    for (const tail of dirty) {
      tail.dirty = false;
      const value: LiveOutputShape = { stdout: tail.stdout, stderr: tail.stderr, at };
      multi.set(liveOutputKey(prefix, tail.queue, tail.id), JSON.stringify(value), 'PX', TTL_MS);
    }
    // Lost writes only make the live view lag: the run and its kept tail are unaffected.
    multi.exec().catch(() => undefined);
  };
  bus.on('job:output', (e) => {
    const key = `${e.queue}\n${e.id}`;
    let tail = tails.get(key);
    if (!tail) {
      tail = { queue: e.queue, id: e.id, stdout: '', stderr: '', dirty: false };
      tails.set(key, tail);
    }
    const text = `${tail[e.stream]}${e.line}\n`;
    tail[e.stream] = text.length > TAIL_CHARS ? text.slice(-TAIL_CHARS) : text;
    tail.dirty = true;
    timer ??= setTimeout(flush, LIVE_OUTPUT_FLUSH_MS);
  });
  const end = (e: { queue: string; id: string }) => {
    const key = `${e.queue}\n${e.id}`;
    if (!tails.delete(key)) return;
    client.del(liveOutputKey(prefix, e.queue, e.id)).catch(() => undefined);
  };
  bus.on('job:completed', end);
  bus.on('job:failed', end);
  bus.on('job:returned', end);
  return {
    stop() {
      if (timer) clearTimeout(timer);
      tails.clear();
    },
  };
}

/** The live tail of an active run, if it has printed lately. */
export async function readLiveOutput(
  client: RedisClient,
  prefix: string,
  queue: string,
  id: string,
): Promise<LiveOutputShape | undefined> {
  const json = await client.get(liveOutputKey(prefix, queue, id));
  if (!json) return undefined;
  try {
    return JSON.parse(json) as LiveOutputShape;
  } catch {
    return undefined;
  }
}
