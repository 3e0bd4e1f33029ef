import type { Command } from 'commander';
import type { RecycleLimits } from '../worker/limits.js';
import { durationFlag, wholeNumberFlag } from './flags.js';

/** The recycling flags `jobs work`, `jobs start` (for its workers) and `jobs run` share. */
export interface RecycleFlags {
  maxJobs?: number;
  /** ms */
  maxTime?: number;
  maxMemory?: number;
}

export function addRecycleOptions(command: Command, what = 'exit 0 (to be restarted)'): Command {
  return command
    .option(
      '--max-jobs <n>',
      `after starting this many jobs, finish them and ${what}`,
      wholeNumberFlag('--max-jobs', 1),
    )
    .option(
      '--max-time <duration>',
      `after running this long, finish the running jobs and ${what}`,
      durationFlag('--max-time'),
    )
    .option(
      '--max-memory <mb>',
      `once the process uses this many MB (RSS), finish the running jobs and ${what}`,
      wholeNumberFlag('--max-memory', 1),
    );
}

/** The worker's recycling limits: the configured ones, with `--once` meaning one job. */
export function recycleLimits(configured: RecycleLimits, once: boolean | undefined): RecycleLimits {
  return once ? { ...configured, maxJobs: 1 } : configured;
}
