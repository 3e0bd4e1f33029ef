import { readFileSync } from 'node:fs';

/**
 * A module handler that records each run as a JSON line in `$RUNS_FILE` (a side effect
 * the tests count), then sleeps `data.sleepMs` and fails when `data.fail` is set.
 */
export const RECORDING_HANDLER = `
import { appendFileSync } from 'node:fs';
export default async function record(ctx) {
  appendFileSync(process.env.RUNS_FILE, JSON.stringify({ name: ctx.name, id: ctx.id, attempt: ctx.attempt, at: Date.now(), pid: process.pid, host: process.env.JOBS_HOST_ID }) + '\\n');
  if (ctx.data && ctx.data.sleepMs) await new Promise((resolve) => setTimeout(resolve, ctx.data.sleepMs));
  if (ctx.data && ctx.data.fail) throw new Error(ctx.data.fail);
  return { ok: true, attempt: ctx.attempt };
}
`;

export interface RunRecord {
  name: string;
  id: string;
  attempt: number;
  at: number;
  pid: number;
  /** JOBS_HOST_ID of the worker that ran it. */
  host?: string;
}

/** The time a scheduler tick was due, from its id `repeat:<scheduler>:<ms>`. */
export function tickOf(run: RunRecord): number {
  return Number(run.id.slice(run.id.lastIndexOf(':') + 1));
}

export function readRuns(file: string): RunRecord[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunRecord);
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Names the condition in the failure message. */
  what?: string;
}

/**
 * Polls the runs file until `done(runs)` holds, and returns the runs seen then (the wait
 * of graphile-worker's EventMonitor.awaitNext: until N runs happened, with a deadline,
 * instead of sleeping and counting). Fails with the last runs recorded.
 */
export async function waitForRuns(
  file: string,
  done: (runs: RunRecord[]) => boolean,
  { timeoutMs = 30_000, what = 'the expected runs' }: WaitOptions = {},
): Promise<RunRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = readRuns(file);
    if (done(runs)) return runs;
    if (Date.now() > deadline)
      throw new Error(
        `${what} not seen within ${timeoutMs}ms; ${runs.length} runs recorded, the last: ${JSON.stringify(runs.slice(-5))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
