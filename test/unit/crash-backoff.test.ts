import { describe, expect, it } from 'vitest';
import { crashBackoff } from '../../src/daemon/pool.js';

/** The delays of `n` crashes in a row, each worker having run `ranMs`. */
function delaysInARow(n: number, ranMs: number): number[] {
  const delays: number[] = [];
  let crashes = 0;
  for (let i = 0; i < n; i++) {
    const next = crashBackoff(crashes, ranMs);
    crashes = next.crashes;
    delays.push(next.delayMs);
  }
  return delays;
}

describe('crashBackoff', () => {
  it('doubles the wait from 1 s on each crash in a row, up to 30 s', () => {
    expect(delaysInARow(8, 500)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('counts the crashes of a slot', () => {
    expect(crashBackoff(0, 500)).toEqual({ crashes: 1, delayMs: 1_000 });
    expect(crashBackoff(3, 500)).toEqual({ crashes: 4, delayMs: 8_000 });
  });

  it('starts again from 1 s after a worker that ran over a minute', () => {
    expect(crashBackoff(6, 60_001)).toEqual({ crashes: 1, delayMs: 1_000 });
    // A minute exactly is not yet healthy: the backoff keeps growing.
    expect(crashBackoff(2, 60_000)).toEqual({ crashes: 3, delayMs: 4_000 });
  });

  it('stays at 30 s however long a worker keeps crashing', () => {
    expect(crashBackoff(1_000, 0).delayMs).toBe(30_000);
  });
});
