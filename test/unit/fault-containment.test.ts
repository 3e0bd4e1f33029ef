import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ChildWorker } from '../../src/daemon/child.js';
import { describeLostRun } from '../../src/daemon/run-recovery.js';
import { runStopSteps } from '../../src/daemon/stop-steps.js';
import {
  isAliveMessage,
  isReadyMessage,
  readExitReason,
  readRelayMessage,
} from '../../src/process/ipc.js';
import type { HeldRun } from '../../src/queue/held-runs.js';
import { parseTickJobId, tickJobId } from '../../src/redis/keys.js';

/** A stand-in for a forked process: only what ChildWorker reads of it. */
function fakeProcess(pid: number): ChildProcess {
  return Object.assign(new EventEmitter(), {
    pid,
    exitCode: null,
    signalCode: null,
    connected: true,
  }) as unknown as ChildProcess;
}

const run: HeldRun = {
  queue: 'default',
  id: '7',
  token: 'abc:0',
  name: 'spin',
  startedAt: 0,
  attemptsStarted: 1,
};

describe('runStopSteps (a stop always ends)', () => {
  it('runs every step in order though one throws and one hangs', async () => {
    const ran: string[] = [];
    const errors: string[] = [];
    await runStopSteps(
      [
        ['first', () => ran.push('first')],
        [
          'throws',
          () => {
            throw new Error('boom');
          },
        ],
        ['hangs', () => new Promise(() => undefined)],
        ['rejects', () => Promise.reject(new Error('nope'))],
        ['last', () => ran.push('last')],
      ],
      (step, error) => errors.push(`${step}: ${error.message}`),
      50,
    );
    expect(ran).toEqual(['first', 'last']);
    expect(errors).toEqual(['throws: boom', 'hangs: did not finish within 50ms', 'rejects: nope']);
  });
});

describe('the IPC guards', () => {
  it('take well-formed messages and refuse anything else', () => {
    expect(isReadyMessage({ type: 'jobs:ready', queues: ['default'], consumers: ['a'] })).toBe(
      true,
    );
    expect(isReadyMessage({ type: 'jobs:ready', queues: 'default', consumers: [] })).toBe(false);
    expect(isReadyMessage({ type: 'jobs:ready', queues: [], consumers: [1] })).toBe(false);
    expect(isAliveMessage({ type: 'jobs:alive', active: 2 })).toBe(true);
    expect(isAliveMessage({ type: 'jobs:alive' })).toBe(false);
    expect(readExitReason({ type: 'jobs:exiting', reason: 'max-jobs' })).toBe('max-jobs');
    expect(readExitReason({ type: 'jobs:exiting', reason: 'bored' })).toBeUndefined();
    expect(
      readRelayMessage({ type: 'jobs:runs', active: 0, tally: { runs: [['rm -rf']], lags: [] } }),
    ).toBe(undefined);
    expect(readRelayMessage(null)).toBeUndefined();
  });
});

describe('ChildWorker (the daemon’s view of a worker)', () => {
  it('is starting until ready, then idle or busy from its alive messages', () => {
    const child = new ChildWorker(fakeProcess(11), 0);
    expect(child.state).toBe('starting');
    child.receive({ type: 'jobs:ready', queues: ['default'], consumers: ['c1'] });
    expect(child.state).toBe('idle');
    expect(child.consumers).toEqual(['c1']);
    child.receive({ type: 'jobs:alive', active: 3 });
    expect(child.state).toBe('busy');
    child.blockedSince = Date.now();
    expect(child.state).toBe('blocked');
    child.receive({ type: 'jobs:exiting', reason: 'restart' });
    expect(child.exitReason).toBe('restart');
  });
});

describe('describeLostRun (the cause a failed run carries)', () => {
  it('names an exit code, a signal, and a block past the timeout', () => {
    const child = new ChildWorker(fakeProcess(4711), 0);
    expect(describeLostRun(child, run, 1, null)).toBe(
      'worker process 4711 exited with code 1 during the run',
    );
    expect(describeLostRun(child, run, null, 'SIGKILL')).toBe(
      "worker process 4711 was killed by SIGKILL (kill -9, or the kernel's OOM killer) during the run",
    );
    child.killedFor = { reason: 'blocked', culprits: [{ id: '7', name: 'spin', timeoutMs: 3000 }] };
    expect(describeLostRun(child, run, null, 'SIGKILL')).toBe(
      "blocked the worker's event loop past its timeout of 3s; the worker (pid 4711) was killed",
    );
    expect(describeLostRun(child, { ...run, id: '8', name: 'other' }, null, 'SIGKILL')).toBe(
      "the worker (pid 4711) was killed during the run: job 'spin' (id 7) blocked its event loop past its timeout",
    );
  });
});

describe('tick job ids', () => {
  it('round-trip, and other ids are not ticks', () => {
    const id = tickJobId('nightly-export', 1_796_000_000_000);
    expect(id).toBe('repeat:nightly-export:1796000000000');
    expect(parseTickJobId(id)).toEqual({ schedulerId: 'nightly-export', tick: 1_796_000_000_000 });
    expect(parseTickJobId('repeat:a:b:1700000000000')).toEqual({
      schedulerId: 'a:b',
      tick: 1_700_000_000_000,
    });
    expect(parseTickJobId('42')).toBeUndefined();
    expect(parseTickJobId('repeat:x:soon')).toBeUndefined();
  });
});
