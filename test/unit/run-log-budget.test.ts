import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { JobsEventBus, type JobRef } from '../../src/events.js';
import { RUN_LINES_PER_SECOND } from '../../src/logging/run-budget.js';
import { logEvents } from '../../src/logging/subscribe.js';

/** A real pino logger at `level`, its JSON lines kept. */
function capture(level: string): {
  lines: { msg: string; [key: string]: unknown }[];
  log: pino.Logger;
} {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  return { lines, log: pino({ level }, stream) };
}

function runs(bus: JobsEventBus, name: string, count: number, failEvery = 0): void {
  for (let i = 1; i <= count; i++) {
    const ref: JobRef = { queue: 'default', name, id: String(i), attempt: 1 };
    bus.emit('job:started', { ...ref, startedAt: Date.now(), scheduledAt: undefined });
    if (failEvery > 0 && i % failEvery === 0)
      bus.emit('job:failed', { ...ref, durationMs: 1, error: 'boom', willRetry: false });
    else bus.emit('job:completed', { ...ref, durationMs: 1, summary: null });
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('run lines at info', () => {
  it('logs a busy job’s runs up to the budget, every failure, and counts what it left out', async () => {
    const { lines, log } = capture('info');
    const bus = new JobsEventBus();
    logEvents(bus, log);
    runs(bus, 'busy', 500, 50);
    runs(bus, 'rare', 3);
    await flush();
    const of = (msg: string) => lines.filter((line) => line.msg === msg).length;
    expect(of('job busy started')).toBe(RUN_LINES_PER_SECOND);
    expect(of('job busy completed')).toBe(RUN_LINES_PER_SECOND);
    expect(of('job busy failed: boom')).toBe(10);
    expect(of('job rare started')).toBe(3);
    expect(of('job rare completed')).toBe(3);
    // The count of what was left out comes within a second, with no further run.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const summary = lines.filter((line) => line.job === 'busy' && 'started' in line);
    expect(summary).toHaveLength(1);
    expect(summary[0]?.started).toBe(500 - RUN_LINES_PER_SECOND);
    expect(summary[0]?.completed).toBe(490 - RUN_LINES_PER_SECOND);
  });

  it('logs every run at debug, and builds no run line at warn', async () => {
    const debug = capture('debug');
    const bus = new JobsEventBus();
    logEvents(bus, debug.log);
    runs(bus, 'busy', 100);
    const warn = capture('warn');
    const quiet = new JobsEventBus();
    logEvents(quiet, warn.log);
    runs(quiet, 'busy', 100, 10);
    await flush();
    expect(debug.lines.filter((line) => line.msg === 'job busy completed')).toHaveLength(100);
    expect(warn.lines.map((line) => line.msg)).toEqual(Array(10).fill('job busy failed: boom'));
  });
});
