import { createHash } from 'node:crypto';

/**
 * Where in its `jitter` window a tick starts, from its job id (`repeat:<scheduler>:<ms>`),
 * so every host that takes the tick, and the same host taking it again after a crash,
 * picks the same moment: the delay is decided once per tick without being stored. A
 * `runOn: all` job's hosts have their own job ids, so their runs spread apart too.
 */
export function jitterOffsetMs(jobId: string, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  const fraction = createHash('sha1').update(jobId).digest().readUInt32BE(0) / 2 ** 32;
  return Math.floor(fraction * jitterMs);
}

/**
 * A tick taken this early before its jittered start still runs now: BullMQ promotes a
 * delayed job when its time has come by its own timer, so a few milliseconds of timer
 * slack must not send it round again.
 */
export const JITTER_SLACK_MS = 5;
