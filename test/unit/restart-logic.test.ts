import { describe, expect, it } from 'vitest';
import type { ProcessBeat } from '../../src/heartbeat/heartbeat.js';
import { compareWorkers } from '../../src/restart/wait.js';
import { isStuck, type StuckInput } from '../../src/worker/watchdog.js';

function beat(host: string, pid: number): ProcessBeat {
  return {
    id: `${host}:${pid}`,
    host,
    pid,
    role: 'worker',
    startedAt: 0,
    beatAt: 0,
    version: '1.0.0',
    queues: ['default'],
    jobsDone: 0,
    current: [],
  };
}

describe('compareWorkers (jobs restart --wait)', () => {
  const before = [beat('a', 1), beat('a', 2), beat('b', 3)];

  it('is done when every old worker is gone and each host has as many new ones', () => {
    const now = [beat('a', 11), beat('a', 12), beat('b', 13)];
    expect(compareWorkers(before, now)).toEqual({ stillRunning: [], missing: new Map() });
  });

  it('names old workers still running, and hosts whose workers did not come back', () => {
    const now = [beat('a', 2), beat('a', 11)];
    const result = compareWorkers(before, now);
    expect(result.stillRunning.map((w) => w.id)).toEqual(['a:2']);
    expect(result.missing).toEqual(new Map([['b', 1]]));
  });

  it('does not count a new worker on another host as a replacement', () => {
    const result = compareWorkers([beat('a', 1)], [beat('b', 5)]);
    expect(result.missing).toEqual(new Map([['a', 1]]));
  });
});

describe('isStuck (the stuck-worker watchdog)', () => {
  const stuck: StuckInput = {
    now: 100_000,
    concurrency: 1,
    active: 0,
    lastStartAt: 50_000,
    redisReadySince: 40_000,
    dueJobs: 3,
    stuckAfterMs: 30_000,
  };

  it('flags a worker idle for long with jobs due while Redis is up', () => {
    expect(isStuck(stuck)).toBe(true);
  });

  it.each([
    ['Redis is down', { redisReadySince: undefined }],
    ['Redis came back only just', { redisReadySince: 90_000 }],
    ['nothing is due', { dueJobs: 0 }],
    ['the worker is full', { active: 1 }],
    ['it started a job lately', { lastStartAt: 95_000 }],
  ])('leaves it alone when %s', (_, change) => {
    expect(isStuck({ ...stuck, ...change })).toBe(false);
  });
});
