import type { Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkFailedError } from '../errors.js';

export interface RunResult {
  status: 'completed' | 'failed';
  /** ISO-8601 UTC, as every time in --json and the API. */
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number;
  attempts: number;
  summary?: unknown;
  error?: string;
}

const POLL_MS = 100;

/**
 * Polls the job until it completed or failed for good (retries in between are waited
 * out), or until `deadline` (ms) has passed: then undefined. The state is read first and
 * the job after it: a job read while still active and then found finished would report
 * no duration, attempt or summary. (`jobs run-job`, the API's `wait`.)
 */
export async function waitForResult(
  queue: Queue,
  id: string,
  deadline = Infinity,
): Promise<RunResult | undefined> {
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === 'unknown')
      throw new WorkFailedError(
        `job ${id} disappeared from queue '${queue.name}' before it finished`,
      );
    if (state === 'completed' || state === 'failed') {
      const job = await queue.getJob(id);
      if (!job) continue;
      const durationMs = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0;
      const times = {
        startedAt: isoTime(job.processedOn),
        finishedAt: isoTime(job.finishedOn),
        durationMs,
      };
      return state === 'completed'
        ? { status: state, ...times, attempts: job.attemptsMade, summary: job.returnvalue }
        : { status: state, ...times, attempts: job.attemptsMade, error: job.failedReason };
    }
    if (Date.now() + POLL_MS > deadline) return undefined;
    await sleep(POLL_MS);
  }
}

function isoTime(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}
