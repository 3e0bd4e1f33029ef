import { tickOf, type RunRecord } from './fixtures.js';

/** What the runs of scheduled jobs add up to, per job and overall. */
export interface TickCounts {
  jobs: number;
  /** Distinct (job, tick) pairs that ran. */
  ticks: number;
  runs: number;
  /** (job, tick) pairs that ran more than once. */
  duplicated: string[];
  /** Scheduled instants between a job's first and last tick that did not run. */
  passedOver: number;
  /** The fewest ticks any job ran. */
  minTicksPerJob: number;
}

/**
 * Counts runs per (job, tick). `intervalMs` gives each job's tick spacing at a time, so
 * instants the scheduler passed over (a tick that started over an interval late makes
 * BullMQ skip to the next slot) are counted apart from duplicates.
 */
export function countTicks(
  runs: readonly RunRecord[],
  intervalMs: (job: string, tick: number) => number,
): TickCounts {
  const perTick = new Map<string, number>();
  const ticksByJob = new Map<string, number[]>();
  for (const run of runs) {
    const key = `${run.name} ${tickOf(run)}`;
    const seen = perTick.get(key) ?? 0;
    perTick.set(key, seen + 1);
    if (seen === 0) ticksByJob.set(run.name, [...(ticksByJob.get(run.name) ?? []), tickOf(run)]);
  }
  let passedOver = 0;
  for (const [job, ticks] of ticksByJob) {
    ticks.sort((a, b) => a - b);
    for (let i = 1; i < ticks.length; i++) {
      const gap = (ticks[i] as number) - (ticks[i - 1] as number);
      passedOver += Math.max(0, Math.round(gap / intervalMs(job, ticks[i] as number)) - 1);
    }
  }
  return {
    jobs: ticksByJob.size,
    ticks: perTick.size,
    runs: runs.length,
    duplicated: [...perTick].filter(([, count]) => count > 1).map(([key]) => key),
    passedOver,
    minTicksPerJob: Math.min(...[...ticksByJob.values()].map((ticks) => ticks.length)),
  };
}
