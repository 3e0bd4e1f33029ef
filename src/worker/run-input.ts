import type { Job } from 'bullmq';
import type { JobRef, JobsEventBus } from '../events.js';
import type { Logger } from '../logging/logger.js';
import type { RunAbort } from './run-abort.js';

/** What a handler runner needs to know about the run, independent of BullMQ. */
export interface RunInput {
  name: string;
  id: string;
  data: unknown;
  attempt: number;
  /** Fires on timeout or forced stop. */
  abort: RunAbort;
  log: Logger;
  progress: (value: number | object) => Promise<void>;
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void;
}

/**
 * What a handler runner gets to know of a BullMQ job. A class, not an object literal with
 * a getter: V8 gives every literal whose accessor closures differ a map of its own and
 * turns it into a dictionary, kilobytes a run.
 */
export class JobRunInput implements RunInput {
  readonly name: string;
  readonly id: string;
  readonly data: unknown;
  readonly attempt: number;
  #childLog: Logger | undefined;

  constructor(
    private readonly job: Job,
    private readonly ref: JobRef,
    readonly abort: RunAbort,
    private readonly parentLog: Logger,
    private readonly bus: JobsEventBus,
  ) {
    this.name = job.name;
    this.id = ref.id;
    this.data = job.data;
    this.attempt = ref.attempt;
  }

  // A child logger costs a little per run; most handlers never log, so make it on first use.
  get log(): Logger {
    this.#childLog ??= this.parentLog.child({ job: this.name, id: this.id });
    return this.#childLog;
  }

  progress(value: number | object): Promise<void> {
    return this.job.updateProgress(value);
  }

  onOutput(stream: 'stdout' | 'stderr', line: string): void {
    this.bus.emit('job:output', { ...this.ref, stream, line });
  }
}
