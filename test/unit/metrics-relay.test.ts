import { describe, expect, it } from 'vitest';
import { JobsEventBus, type JobRef } from '../../src/events.js';
import {
  DURATION_BUCKETS,
  LAG_BUCKETS,
  RunMetrics,
  UNKNOWN_JOB_LABEL,
} from '../../src/metrics/run-metrics.js';
import { applyTally, RunTally } from '../../src/metrics/run-tally.js';
import { recordEvents } from '../../src/metrics/subscribe.js';
import { readRelayMessage } from '../../src/process/ipc.js';

const known = new Set(['a', 'b']);
const isKnownJob = (name: string) => known.has(name);
const label = (name: string) => (isKnownJob(name) ? name : UNKNOWN_JOB_LABEL);

/** Some runs of every outcome, a tick with lag among them, and a name with no definition. */
function emitRuns(bus: JobsEventBus): void {
  const ref = (name: string, id: string): JobRef => ({ queue: 'q', name, id, attempt: 1 });
  bus.emit('job:started', { ...ref('a', '1'), startedAt: 10_250, scheduledAt: 10_000 });
  bus.emit('job:completed', { ...ref('a', '1'), durationMs: 12, summary: null });
  bus.emit('job:started', { ...ref('a', '2'), startedAt: 20_000, scheduledAt: undefined });
  bus.emit('job:failed', { ...ref('a', '2'), durationMs: 3_000, error: 'x', willRetry: false });
  bus.emit('job:skipped', { ...ref('b', '3'), reason: 'overlap' });
  bus.emit('job:started', { ...ref('nope', '4'), startedAt: 1, scheduledAt: undefined });
  bus.emit('job:completed', { ...ref('nope', '4'), durationMs: 700, summary: null });
}

/** `jobs_last_success_timestamp_seconds` is the time of recording: left out of comparisons. */
const withoutLastSuccess = (text: string) =>
  text
    .split('\n')
    .filter((line) => !line.startsWith('jobs_last_success'))
    .join('\n');

describe('relayed run metrics', () => {
  it('gives the daemon the same metrics as recording the events itself', () => {
    const direct = new RunMetrics();
    const bus = new JobsEventBus();
    recordEvents(bus, { runs: direct, isKnownJob });
    emitRuns(bus);

    let firsts = 0;
    const tally = new RunTally(() => firsts++);
    const workerBus = new JobsEventBus();
    recordEvents(workerBus, { runs: tally, isKnownJob });
    emitRuns(workerBus);
    // Over IPC the message is serialised: what arrives is its JSON.
    const sent = JSON.parse(JSON.stringify({ type: 'jobs:runs', tally: tally.take(), active: 2 }));
    const message = readRelayMessage(sent);
    expect(message?.active).toBe(2);
    const relayed = new RunMetrics();
    applyTally(message?.tally ?? { runs: [], lags: [], lastSuccess: [] }, relayed, label);

    expect(withoutLastSuccess(relayed.render())).toBe(withoutLastSuccess(direct.render()));
    expect(relayed.render()).toContain(
      'jobs_runs_total{queue="q",job_name="_unknown",status="completed"} 1',
    );
    expect(relayed.render()).toContain('jobs_last_success_timestamp_seconds{job_name="a"}');
    // Told once when the empty tally got its first record; empty again once taken.
    expect(firsts).toBe(1);
    expect(tally.take()).toBeUndefined();
  });

  it('sends bucket counts, so a message does not grow with the runs it counts', () => {
    const tally = new RunTally(() => undefined);
    const bus = new JobsEventBus();
    recordEvents(bus, { runs: tally, isKnownJob });
    const sizeAfter = (runs: number) => {
      for (let i = 0; i < runs; i++) {
        const ref = { queue: 'q', name: 'a', id: String(i), attempt: 1 };
        bus.emit('job:started', { ...ref, startedAt: 1_000 + i, scheduledAt: 1_000 });
        bus.emit('job:completed', { ...ref, durationMs: i % 5_000, summary: null });
      }
      return JSON.stringify(tally.take()).length;
    };
    expect(sizeAfter(10)).toBeGreaterThan(0);
    // The same series, ten or ten thousand runs: only the counts' digits differ.
    expect(sizeAfter(10_000)).toBeLessThan(sizeAfter(10) + 100);
  });

  it('ignores other messages on the channel', () => {
    const counts = (bounds: readonly number[]) => bounds.map(() => 0).concat(1);
    const tally = {
      runs: [['q', 'a', 'completed', 1, counts(DURATION_BUCKETS), 0.1]],
      lags: [['q', 'a', counts(LAG_BUCKETS), 7]],
      lastSuccess: [],
    };
    const message = { type: 'jobs:runs', tally, active: 0 };
    expect(readRelayMessage(message)).toBeDefined();
    expect(readRelayMessage('hello')).toBe(undefined);
    expect(readRelayMessage({ type: 'restart' })).toBe(undefined);
    expect(readRelayMessage({ ...message, active: 'one' })).toBe(undefined);
    const badStatus = { ...tally, runs: [['q', 'a', 'exploded', 1, counts(DURATION_BUCKETS), 0]] };
    expect(readRelayMessage({ ...message, tally: badStatus })).toBe(undefined);
    const shortCounts = { ...tally, runs: [['q', 'a', 'completed', 1, [1], 0.1]] };
    expect(readRelayMessage({ ...message, tally: shortCounts })).toBe(undefined);
    const badLag = { ...tally, lags: [['q', 'a', ['soon'], 0]] };
    expect(readRelayMessage({ ...message, tally: badLag })).toBe(undefined);
  });
});
