import { describe, expect, it } from 'vitest';
import { closeWithin, settlesWithin, withDeadline } from '../../src/process/deadline.js';

const never = new Promise<never>(() => undefined);

function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

describe('settlesWithin', () => {
  it('says whether the work settled in time, a rejection counting as settled', async () => {
    expect(await settlesWithin(after(5, 'done'), 1_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('gone')), 1_000)).toBe(true);
    const started = Date.now();
    expect(await settlesWithin(never, 30)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe('closeWithin', () => {
  it('starts every closer at once and ends though one throws and one hangs', async () => {
    const closed: string[] = [];
    const started = Date.now();
    await closeWithin(
      50,
      () => never,
      () => {
        throw new Error('already closed');
      },
      () => after(5, undefined).then(() => closed.push('queue')),
      () => void closed.push('client'),
    );
    expect(closed.sort()).toEqual(['client', 'queue']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('returns as soon as every closer is done, not at the limit', async () => {
    const started = Date.now();
    await closeWithin(5_000, () => after(5, undefined));
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('withDeadline', () => {
  it("passes the work's result or its error through, and rejects with the message when late", async () => {
    expect(await withDeadline(after(5, 42), 1_000, 'late')).toBe(42);
    await expect(withDeadline(Promise.reject(new Error('refused')), 1_000, 'late')).rejects.toThrow(
      'refused',
    );
    await expect(withDeadline(never, 20, 'no answer within 20ms')).rejects.toThrow(
      'no answer within 20ms',
    );
  });
});
