import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { EnqueuedJob, Outcome } from './soak-report.js';
import { within } from './soak-util.js';

/** Completed, failed, or lost with Redis's data: nothing more will happen to it. */
export function isFinal(outcome: Outcome | undefined): boolean {
  return outcome?.state === 'completed' || outcome?.state === 'failed' || outcome?.state === 'lost';
}

/**
 * Reads from Redis the state of every job not known to be finished into `outcomes`
 * ("vanished" when Redis no longer has it), within `timeoutMs`; returns how many are
 * still unfinished. A fresh connection each time: Redis may have been restarted since.
 */
export async function readOutcomes(
  target: { url: string; prefix: string; queue: string },
  jobs: readonly EnqueuedJob[],
  outcomes: Map<string, Outcome>,
  timeoutMs: number,
): Promise<number> {
  const client = new Redis(target.url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  client.on('error', () => undefined);
  const queue = new Queue(target.queue, { connection: client, prefix: target.prefix });
  queue.on('error', () => undefined);
  const pending = jobs.filter((job) => !isFinal(outcomes.get(job.id)));
  try {
    await within(
      (async () => {
        for (const job of pending) {
          // An empty restart may have marked it lost while this read was under way.
          if (isFinal(outcomes.get(job.id))) continue;
          const found = await queue.getJob(job.id);
          if (!found) {
            outcomes.set(job.id, { state: 'vanished' });
            continue;
          }
          const state = await found.getState();
          outcomes.set(
            job.id,
            state === 'failed' ? { state, reason: found.failedReason } : { state },
          );
        }
      })(),
      timeoutMs,
      'reading job states',
    );
  } finally {
    await within(queue.close(), 2_000, 'closing the queue').catch(() => undefined);
    client.disconnect();
  }
  return jobs.filter((job) => !isFinal(outcomes.get(job.id))).length;
}
