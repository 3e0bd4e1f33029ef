import { formatDuration } from '../definitions/duration.js';

/** One JSON document on stdout, nothing else (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A time in --json: ISO-8601 UTC (`2026-01-31T03:00:00.000Z`), null when there is none. */
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || ms === 0 ? null : new Date(ms).toISOString();
}

/** `2026-01-31 03:00:00Z`: UTC, to the second. */
export function formatTime(ms: number | null | undefined): string {
  if (!ms) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `2026-01-31 04:00:00 Europe/Berlin`: the wall-clock time in a zone. */
export function formatInZone(ms: number, timeZone: string): string {
  return `${zoneFormat(timeZone).format(new Date(ms))} ${timeZone}`;
}

/** One formatter a zone: making one took longer than formatting (`jobs list` of 10,000 jobs). */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();
function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/** A run's duration for a table, `-` when there is none. */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : formatDuration(ms);
}

/** Seconds since `ms`, as `3d 4h`, `5m 12s`: an uptime or an age. */
export function formatAge(ms: number, now = Date.now()): string {
  let seconds = Math.max(0, Math.round((now - ms) / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (seconds >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
