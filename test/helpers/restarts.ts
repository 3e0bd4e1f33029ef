import path from 'node:path';
import { Queue, type JobsOptions } from 'bullmq';
import { writeProject, uniquePrefix } from './cli.js';
import { RECORDING_HANDLER, readRuns, type RunRecord } from './fixtures.js';
import { eventually, OperatorProject } from './operator.js';
import type { ProcessBeat } from '../../src/heartbeat/heartbeat.js';

/**
 * A project with one on-demand job, `sleepy`, whose handler records each run (with its
 * pid) and sleeps `data.sleepMs`; the test enqueues straight through BullMQ, as an
 * application in any language would.
 */
export class RestartProject extends OperatorProject {
  private queueHandle: Queue | undefined;

  constructor(redisUrl: string, extraYaml = '') {
    super(
      writeProject({
        'jobs.yaml': `jobs:\n  sleepy:\n    module: ./job.js\n${extraYaml}`,
        'job.js': RECORDING_HANDLER,
      }),
      uniquePrefix(),
      redisUrl,
    );
  }

  get prefix(): string {
    return this.env.JOBS_PREFIX as string;
  }

  get queue(): Queue {
    this.queueHandle ??= new Queue('default', {
      connection: { url: this.env.REDIS_URL as string },
      prefix: this.prefix,
    });
    this.queueHandle.on('error', () => undefined); // outage tests stop Redis under it
    return this.queueHandle;
  }

  async enqueue(count: number, sleepMs: number, opts: JobsOptions = {}): Promise<string[]> {
    const jobs = await this.queue.addBulk(
      Array.from({ length: count }, () => ({ name: 'sleepy', data: { sleepMs }, opts })),
    );
    return jobs.map((job) => job.id as string);
  }

  runs(): RunRecord[] {
    return readRuns(path.join(this.dir, 'runs.jsonl'));
  }

  /** The live workers from `jobs status --json`. */
  async workers(): Promise<ProcessBeat[]> {
    const status = await this.json<{ processes: ProcessBeat[] }>(['status']);
    return status.processes.filter((beat) => beat.role === 'worker');
  }

  /** Waits until exactly `count` workers beat, and returns their pids. */
  async waitForWorkers(count: number, timeoutMs = 20_000): Promise<number[]> {
    return eventually(
      async () => {
        const workers = await this.workers();
        return workers.length === count ? workers.map((beat) => beat.pid).sort() : undefined;
      },
      timeoutMs,
      `${count} live workers`,
    );
  }

  /** Waits until `count` jobs completed; returns the queue's counts then. */
  async waitForCompleted(count: number, timeoutMs = 60_000): Promise<Record<string, number>> {
    return eventually(
      async () => {
        const counts = await this.queue.getJobCounts();
        return (counts.completed ?? 0) >= count ? counts : undefined;
      },
      timeoutMs,
      `${count} completed jobs`,
    );
  }

  override async stopAll(): Promise<void> {
    await super.stopAll();
    if (this.queueHandle) {
      await this.queueHandle.obliterate({ force: true }).catch(() => undefined);
      await this.queueHandle.close();
    }
  }
}

/** How many times each value occurs. */
export function tally<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
