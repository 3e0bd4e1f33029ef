import type { CommandSummary } from '../../errors.js';
import { bullJobLogsKey } from '../../redis/keys.js';
import { readLiveOutput } from '../../runs/live-output.js';
import type { WebContext } from '../context.js';

/** The kept tails of a command's stdout and stderr. */
export interface OutputTail {
  stdout: string;
  stderr: string;
}

/**
 * A command run's output tail: while active, the live one its worker writes about once a
 * second; once failed, the one stored with the run (BullMQ's job log, worker/processor.ts).
 * A completed command's tail is in its summary. Module runs have none: null.
 */
export async function readOutputTail(
  web: WebContext,
  queue: string,
  id: string,
  state: string,
): Promise<OutputTail | null> {
  if (state === 'active') {
    const live = await readLiveOutput(web.client, web.prefix, queue, id);
    return live ? { stdout: live.stdout, stderr: live.stderr } : null;
  }
  if (state !== 'failed') return null;
  const [last] = await web.client.lrange(bullJobLogsKey(web.prefix, queue, id), -1, -1);
  return last ? outputOf(parse(last)) : null;
}

/** A command's summary (`{ exitCode, stdout, stderr }`) as an output tail; null for anything else. */
export function outputOf(value: unknown): OutputTail | null {
  if (typeof value !== 'object' || value === null) return null;
  const summary = value as Partial<CommandSummary>;
  if (typeof summary.stdout !== 'string' || typeof summary.stderr !== 'string') return null;
  return { stdout: summary.stdout, stderr: summary.stderr };
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}
