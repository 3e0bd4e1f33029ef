/** Durations as the definitions file and the flags write them: `500ms`, `30s`, `5m`, `2h`, `7d`, or plain milliseconds. */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** For one-line errors about a flag or a variable: `is not a duration (500ms, 30s, …)`. */
export const DURATION_EXAMPLES = '500ms, 30s, 5m, 2h, 7d';

export const DURATION_HINT =
  "a duration such as '500ms', '30s', '5m', '2h', '7d' or a number of milliseconds";

/** Returns milliseconds, or undefined when the value is not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const unit = match[2] as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}

/**
 * The shortest text for a number of milliseconds, for logs and listings, in one style:
 * whole units when exact, else seconds to the millisecond under 10s and to the tenth
 * above, with no trailing zeros (`5s`, `5.04s`, `12.3s`, never `5.00s`).
 */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  const seconds = ms / 1_000;
  return `${Number(seconds.toFixed(seconds < 10 ? 3 : 1))}s`;
}
