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
