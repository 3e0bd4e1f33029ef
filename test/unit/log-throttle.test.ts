import { describe, expect, it } from 'vitest';
import { ERROR_LOG_INTERVAL_MS, LogThrottle } from '../../src/logging/log-throttle.js';

describe('LogThrottle', () => {
  it('lets the first report through, then one per interval', () => {
    const throttle = new LogThrottle();
    const allowedAt = [0, 1, 9_999, 10_000, 15_000, 20_000, 20_001].filter((at) =>
      throttle.allow(at),
    );
    expect(allowedAt).toEqual([0, 10_000, 20_000]);
    expect(ERROR_LOG_INTERVAL_MS).toBe(10_000);
  });

  it('lets the next report through at once after a reset', () => {
    const throttle = new LogThrottle(1_000);
    expect(throttle.allow(5_000)).toBe(true);
    expect(throttle.allow(5_500)).toBe(false);
    throttle.reset();
    expect(throttle.allow(5_600)).toBe(true);
    expect(throttle.allow(5_700)).toBe(false);
  });
});
