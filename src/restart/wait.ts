import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../redis/connection.js';
import { readHeartbeats, type ProcessBeat } from '../heartbeat/heartbeat.js';

/** How often `jobs restart --wait` looks at the heartbeats: well under the 1 s goal. */
export const REPLACEMENT_POLL_MS = 100;

export interface ReplacementReport {
  /** Every worker that was live at the request has exited and as many new ones run. */
  replaced: boolean;
  /** Workers live at the request. */
  before: ProcessBeat[];
  /** Of those, the ones still running (with what they are running). */
  stillRunning: ProcessBeat[];
  /** Hosts with fewer new workers than they had before: host → how many are missing. */
  missing: Map<string, number>;
  elapsedMs: number;
}

/** The live worker processes, from their heartbeats. */
export async function liveWorkers(client: RedisClient, prefix: string): Promise<ProcessBeat[]> {
  return (await readHeartbeats(client, prefix)).filter((beat) => beat.role === 'worker');
}

/**
 * Compares the workers live now with those live at the request. A worker is replaced when
 * its heartbeat is gone (it stopped cleanly, or was killed and its beat expired) and its
 * host runs at least as many workers that were not there before.
 */
export function compareWorkers(before: ProcessBeat[], now: ProcessBeat[]) {
  const beforeIds = new Set(before.map((beat) => beat.id));
  const nowIds = new Set(now.map((beat) => beat.id));
  const stillRunning = before.filter((beat) => nowIds.has(beat.id));
  const missing = new Map<string, number>();
  for (const host of new Set(before.map((beat) => beat.host))) {
    const had = before.filter((beat) => beat.host === host).length;
    const running = stillRunning.filter((beat) => beat.host === host).length;
    const fresh = now.filter((beat) => beat.host === host && !beforeIds.has(beat.id)).length;
    // Exited workers that no new one stands in for yet.
    const shortfall = had - running - fresh;
    if (shortfall > 0) missing.set(host, shortfall);
  }
  return { stillRunning, missing };
}

/** Polls the heartbeats until every worker in `before` is replaced, or `timeoutMs` passes. */
export async function waitForReplacement(
  client: RedisClient,
  prefix: string,
  before: ProcessBeat[],
  timeoutMs: number,
): Promise<ReplacementReport> {
  const started = Date.now();
  for (;;) {
    const { stillRunning, missing } = compareWorkers(before, await liveWorkers(client, prefix));
    const elapsedMs = Date.now() - started;
    const replaced = stillRunning.length === 0 && missing.size === 0;
    if (replaced || elapsedMs >= timeoutMs) {
      return { replaced, before, stillRunning, missing, elapsedMs };
    }
    await sleep(REPLACEMENT_POLL_MS);
  }
}

/** One line per worker that was not replaced, for the operator. */
export function describeNotReplaced(report: ReplacementReport): string[] {
  const lines = report.stillRunning.map((beat) => {
    const jobs = beat.current.map((job) => `${job.name} ${job.id}`).join(', ');
    return `worker ${beat.host}:${beat.pid} has not restarted${jobs ? ` (running ${jobs})` : ''}`;
  });
  for (const [host, count] of report.missing) {
    lines.push(`${host}: ${count} worker${count === 1 ? '' : 's'} exited but no new one started`);
  }
  return lines;
}
