import { describe, expect, it } from 'vitest';
import { JobsEventBus } from '../../src/events.js';
import { readRelayMessage, replayRelayed } from '../../src/process/ipc.js';

describe('relayed run events', () => {
  const entry = {
    event: 'job:completed',
    payload: { queue: 'q', name: 'a', id: '1', attempt: 1, durationMs: 12, summary: null },
  };
  const completed = { type: 'jobs:events', events: [entry, entry], active: 0 };

  it('accepts what a worker sends and replays it on the bus', () => {
    const message = readRelayMessage(completed);
    expect(message).toBeDefined();
    const bus = new JobsEventBus();
    const seen: number[] = [];
    bus.on('job:completed', (e) => seen.push(e.durationMs));
    replayRelayed(bus, message as NonNullable<typeof message>);
    expect(seen).toEqual([12, 12]);
  });

  it('ignores other messages on the channel', () => {
    expect(readRelayMessage('hello')).toBe(undefined);
    expect(readRelayMessage({ type: 'restart' })).toBe(undefined);
    const other = { ...entry, event: 'worker:exited' };
    expect(readRelayMessage({ ...completed, events: [entry, other] })).toBe(undefined);
    expect(readRelayMessage({ ...completed, active: 'one' })).toBe(undefined);
  });
});
