import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkCron, cronGapFloor, nextCronRuns, normalizeCron } from './cron.js';
import { formatDuration, parseDuration } from './duration.js';
import { displayPath, type Locator } from './parsed.js';
import { locateSyntaxError } from './module-syntax.js';
import type { RawDefaults, RawJob } from './schema.js';
import {
  BUILTIN_DEFAULTS,
  NAME_PATTERN,
  type Backoff,
  type Handler,
  type JobDefinition,
  type Schedule,
} from './types.js';

export type Report = (keys: PropertyKey[], problem: string, value?: unknown) => void;

export interface CompileContext {
  file: string;
  locator: Locator;
  defaults: RawDefaults;
  report: Report;
  /** Problems are reported through `report`; this says how many so far. */
  problemCount: () => number;
  /**
   * Each handler module's check, by path, for one load: thousands of jobs share a few
   * modules, and import() of a module already loaded still goes through Node's loader
   * (5,000 module jobs: 135 ms).
   */
  moduleChecks: Map<string, Promise<string | undefined>>;
  /** Whether each working directory exists, for one load (5,000 commands: 56 ms of stat). */
  directories: Map<string, boolean>;
}

/** Reports what is wrong with `defaults:` beyond its shape. */
export function checkDefaults(defaults: RawDefaults, report: Report): void {
  if (defaults.timezone !== undefined && !isTimeZone(defaults.timezone)) {
    report(['defaults', 'timezone'], UNKNOWN_ZONE, defaults.timezone);
  }
}

const UNKNOWN_ZONE = 'unknown time zone; use an IANA name such as UTC or Europe/Berlin';

/** Applies defaults and the rules that span keys; returns undefined after reporting a problem. */
export async function compileJob(
  name: string,
  job: RawJob,
  context: CompileContext,
): Promise<JobDefinition | undefined> {
  const { defaults, report, locator } = context;
  const keys = ['jobs', name];
  if (!NAME_PATTERN.test(name)) {
    report(
      keys,
      "names are lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
    );
    return undefined;
  }
  const before = context.problemCount();
  const timezone = job.timezone ?? defaults.timezone ?? BUILTIN_DEFAULTS.timezone;
  if (job.timezone !== undefined && !isTimeZone(job.timezone)) {
    report([...keys, 'timezone'], UNKNOWN_ZONE, job.timezone);
  }
  const schedule = compileSchedule(job, timezone, keys, report);
  const handler = await compileHandler(job, context, keys);
  const jitterMs = schedule ? compileJitter(job, schedule, timezone, keys, report) : 0;
  if (context.problemCount() > before || !schedule || !handler) return undefined;

  return {
    name,
    description: job.description ?? '',
    schedule,
    timezone,
    queue: job.queue ?? defaults.queue ?? BUILTIN_DEFAULTS.queue,
    attempts: job.attempts ?? defaults.attempts ?? BUILTIN_DEFAULTS.attempts,
    backoff: compileBackoff(job.backoff ?? defaults.backoff) ?? BUILTIN_DEFAULTS.backoff,
    timeoutMs: parseDuration(job.timeout ?? defaults.timeout) ?? BUILTIN_DEFAULTS.timeoutMs,
    handler,
    enabled: job.enabled ?? true,
    overlap: job.overlap ?? defaults.overlap ?? BUILTIN_DEFAULTS.overlap,
    runOn: job.runOn ?? defaults.runOn ?? BUILTIN_DEFAULTS.runOn,
    missed: job.missed ?? defaults.missed ?? BUILTIN_DEFAULTS.missed,
    jitterMs,
    roles: [...new Set(job.roles ?? [])].sort(),
    data: job.data ?? {},
    source: locator.keyAt(['jobs'], name),
  };
}

function compileSchedule(
  job: RawJob,
  timezone: string,
  keys: PropertyKey[],
  report: Report,
): Schedule | undefined {
  if (job.schedule !== undefined && job.every !== undefined) {
    report(
      [...keys, 'every'],
      "a job has either 'schedule' (cron) or 'every' (interval), not both",
    );
    return undefined;
  }
  if (job.delay !== undefined && job.every === undefined) {
    report([...keys, 'delay'], "'delay' applies to 'every' schedules only");
    return undefined;
  }
  if (job.schedule !== undefined) {
    const problem = checkCron(job.schedule);
    if (problem) {
      report([...keys, 'schedule'], problem, job.schedule);
      return undefined;
    }
    return { kind: 'cron', expression: job.schedule, pattern: normalizeCron(job.schedule) };
  }
  if (job.every !== undefined) {
    const everyMs = parseDuration(job.every) ?? 0;
    if (everyMs < 1_000) {
      report([...keys, 'every'], 'the interval must be at least 1s', job.every);
      return undefined;
    }
    return { kind: 'every', everyMs, delayMs: parseDuration(job.delay) ?? 0 };
  }
  return { kind: 'none' };
}

/**
 * Ticks looked at to find a cron schedule's smallest gap: a jitter as long as that gap
 * would start one tick after the next is due. 512 covers two days of five-minutely
 * schedules and a year of daily ones, in a few milliseconds, once per load.
 */
const CRON_GAP_TICKS = 512;

function compileJitter(
  job: RawJob,
  schedule: Schedule,
  timezone: string,
  keys: PropertyKey[],
  report: Report,
): number {
  if (job.jitter === undefined) return 0;
  const jitterMs = parseDuration(job.jitter) ?? 0;
  if (schedule.kind === 'none') {
    report(
      [...keys, 'jitter'],
      "'jitter' applies to scheduled jobs only (with 'schedule' or 'every')",
      job.jitter,
    );
    return 0;
  }
  const gapMs =
    schedule.kind === 'every' ? schedule.everyMs : smallestCronGap(schedule, timezone, jitterMs);
  if (gapMs !== undefined && jitterMs >= gapMs) {
    const what = schedule.kind === 'every' ? 'the interval' : 'the shortest gap between its ticks';
    report(
      [...keys, 'jitter'],
      `must be less than ${what} (${formatDuration(gapMs)}), or a tick could start after the next one is due`,
      job.jitter,
    );
  }
  return jitterMs;
}

/**
 * The smallest gap among the next CRON_GAP_TICKS ticks, or the floor under every gap when
 * the jitter is below it anyway. Walking the ticks costs ~10 ms (cron-parser steps through
 * zoned dates), which 10,000 jittered jobs turned into a minute's validation; a fixed-offset
 * zone's floor is arithmetic on the times of day. Walks are kept by expression and zone.
 */
function smallestCronGap(
  schedule: Extract<Schedule, { kind: 'cron' }>,
  timezone: string,
  jitterMs: number,
): number | undefined {
  const zone = isTimeZone(timezone) ? timezone : 'UTC';
  if (hasFixedOffset(zone)) {
    const floor = cronGapFloor(schedule.expression);
    if (floor !== undefined && jitterMs < floor) return floor;
  }
  const key = `${schedule.pattern} ${zone}`;
  if (walkedGaps.has(key)) return walkedGaps.get(key);
  const ticks = nextCronRuns(schedule.expression, zone, CRON_GAP_TICKS);
  let smallest: number | undefined;
  for (let i = 1; i < ticks.length; i++) {
    const gap = (ticks[i] as Date).getTime() - (ticks[i - 1] as Date).getTime();
    smallest = smallest === undefined ? gap : Math.min(smallest, gap);
  }
  walkedGaps.set(key, smallest);
  return smallest;
}

const walkedGaps = new Map<string, number | undefined>();

/**
 * Whether the zone's UTC offset stays the same (UTC, Asia/Tokyo), looked at once a week
 * over this year and next: short changes such as Morocco's during Ramadan last weeks.
 */
const fixedOffsets = new Map<string, boolean>();
function hasFixedOffset(zone: string): boolean {
  let fixed = fixedOffsets.get(zone);
  if (fixed === undefined) {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const year = new Date().getUTCFullYear();
    const offsets = new Set<string>();
    for (let week = 0; week < 105; week++) {
      const at = Date.UTC(year, 0, 1 + week * 7);
      offsets.add(
        format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? '',
      );
    }
    fixed = offsets.size === 1;
    fixedOffsets.set(zone, fixed);
  }
  return fixed;
}

async function compileHandler(
  job: RawJob,
  context: CompileContext,
  keys: PropertyKey[],
): Promise<Handler | undefined> {
  const { defaults, report, moduleChecks, directories } = context;
  const baseDir = path.dirname(context.file);
  if (job.command !== undefined && job.module !== undefined) {
    report([...keys, 'module'], "a job has either a 'command' or a 'module', not both");
    return undefined;
  }
  if (job.command !== undefined) {
    const problem = checkCommand(job.command);
    if (problem) {
      report([...keys, 'command'], problem);
      return undefined;
    }
    const shell = typeof job.command === 'string';
    const cwd = path.resolve(baseDir, job.cwd ?? defaults.cwd ?? '.');
    let exists = directories.get(cwd);
    if (exists === undefined) {
      exists = existsSync(cwd);
      directories.set(cwd, exists);
    }
    if (!exists) {
      report(
        [...keys, job.cwd !== undefined ? 'cwd' : 'command'],
        `working directory ${cwd} does not exist`,
      );
      return undefined;
    }
    const env = Object.fromEntries(
      Object.entries({ ...defaults.env, ...job.env }).map(([key, value]) => [key, String(value)]),
    );
    return {
      kind: 'command',
      argv: shell ? ['/bin/sh', '-c', job.command as string] : (job.command as string[]),
      shell,
      cwd,
      env,
    };
  }
  if (job.module !== undefined) {
    const modulePath = path.resolve(baseDir, job.module);
    let check = moduleChecks.get(modulePath);
    if (!check) {
      check = checkModule(modulePath);
      moduleChecks.set(modulePath, check);
    }
    const problem = await check;
    if (problem) {
      report([...keys, 'module'], problem, job.module);
      return undefined;
    }
    return { kind: 'module', spec: job.module, path: modulePath };
  }
  report(
    keys,
    "needs a 'command' (argv list or shell string) or a 'module' (a JS file whose default export is the handler)",
  );
  return undefined;
}

async function checkModule(modulePath: string): Promise<string | undefined> {
  if (!existsSync(modulePath)) return `no such file (looked for ${modulePath})`;
  try {
    const loaded = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
    if (typeof loaded.default !== 'function') {
      return 'exports no function; its default export must be async (ctx) => summary';
    }
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    const at = error instanceof SyntaxError ? locateSyntaxError(modulePath, message) : undefined;
    return at
      ? `could not be loaded: ${displayPath(modulePath)}:${at}: SyntaxError: ${message}`
      : `could not be loaded: ${message}`;
  }
  return undefined;
}

/** The schema lets empty commands through, so that they are named here in our words. */
function checkCommand(command: string | string[]): string | undefined {
  if (typeof command === 'string') {
    return command.trim() === ''
      ? 'an empty string; write the command line to run, or a list such as [pg_dump, mydb]'
      : undefined;
  }
  if (command.length === 0) return 'an empty list; name the program to run, as in [pg_dump, mydb]';
  const empty = command.findIndex((argument) => argument === '');
  return empty >= 0 ? `argument ${empty + 1} is empty` : undefined;
}

function compileBackoff(value: RawJob['backoff']): Backoff | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object') {
    return { type: value.type, delayMs: parseDuration(value.delay) ?? 0 };
  }
  return { type: 'fixed', delayMs: parseDuration(value) ?? 0 };
}

const zoneCache = new Map<string, boolean>();
export function isTimeZone(zone: string): boolean {
  let known = zoneCache.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    zoneCache.set(zone, known);
  }
  return known;
}
