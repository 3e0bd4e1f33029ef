import { formatDuration } from '../definitions/duration.js';
import { withDeadline } from '../process/deadline.js';

/** How long one step of a stop may take before the stop goes on without it. */
export const STOP_STEP_TIMEOUT_MS = 10_000;

export type StopStep = readonly [name: string, run: () => unknown];

/**
 * Runs a stop's steps in order, each on its own: one that throws is reported and the
 * next runs; one that hangs is given up after `timeoutMs`. So a stop always ends, and
 * ends in the same order (pg-boss and BullMQ close the same way).
 */
export async function runStopSteps(
  steps: readonly StopStep[],
  onError: (step: string, error: Error) => void,
  timeoutMs = STOP_STEP_TIMEOUT_MS,
): Promise<void> {
  const late = `did not finish within ${formatDuration(timeoutMs)}`;
  for (const [name, run] of steps) {
    try {
      await withDeadline(Promise.resolve().then(run), timeoutMs, late);
    } catch (error) {
      onError(name, error instanceof Error ? error : new Error(String(error)));
    }
  }
}
