import { CronExpressionParser, type CronFieldCollection } from 'cron-parser';

/**
 * Cron as the definitions file writes it: 5 fields, or 6 with seconds first, or one of
 * the aliases. We check each field ourselves before cron-parser sees it, because its
 * messages ("Constraint error, got value 61 expected range 0-59") do not say which field.
 */

export const CRON_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
});

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const FIELDS_5: readonly FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The pattern BullMQ and cron-parser get: aliases expanded, white space folded. */
export function normalizeCron(expression: string): string {
  const text = expression.trim().replace(/\s+/g, ' ');
  return CRON_ALIASES[text.toLowerCase()] ?? text;
}

/**
 * What cron-parser makes of each pattern, parsed once: a file of thousands of jobs repeats
 * a few hundred patterns. Parsed without a zone (zones are checked on their own): with one,
 * a parse took 0.4–0.6 ms, most of it setting up a zoned clock; without, 0.09 ms.
 */
const parsed = new Map<string, CronFieldCollection | string>();

function parsePattern(pattern: string): CronFieldCollection | string {
  let result = parsed.get(pattern);
  if (result === undefined) {
    result = checkPattern(pattern);
    parsed.set(pattern, result);
  }
  return result;
}

/** Returns a sentence saying what is wrong with the expression, or undefined when it is valid. */
export function checkCron(expression: string): string | undefined {
  const result = parsePattern(normalizeCron(expression));
  return typeof result === 'string' ? result : undefined;
}

function checkPattern(pattern: string): CronFieldCollection | string {
  if (pattern.startsWith('@')) {
    return `unknown alias; use one of ${Object.keys(CRON_ALIASES).join(', ')}`;
  }
  const fields = pattern.split(' ');
  if (fields.length !== 5 && fields.length !== 6) {
    return `it has ${fields.length} field${fields.length === 1 ? '' : 's'}; cron takes 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`;
  }
  const rules = fields.length === 6 ? [SECOND, ...FIELDS_5] : FIELDS_5;
  for (const [index, field] of fields.entries()) {
    const problem = checkField(field, rules[index] as FieldRule);
    if (problem) return problem;
  }
  try {
    return CronExpressionParser.parse(pattern).fields;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Above this many times a day, finding the closest two is left to walking the ticks. */
const MAX_TIMES_OF_DAY = 4_096;
const DAY_MS = 86_400_000;

/**
 * A floor under the gap between two consecutive ticks, in a zone whose offset never
 * changes: the closest two of its times of day, or the last of a day and the first of the
 * next, whichever is less (ticks on days further apart are further apart still).
 * Undefined for a valid expression with too many times a day, and for an invalid one.
 * A daylight-saving change can bring two ticks closer than this, so it is no floor there.
 */
export function cronGapFloor(expression: string): number | undefined {
  const fields = parsePattern(normalizeCron(expression));
  if (typeof fields === 'string') return undefined;
  const { second, minute, hour } = fields;
  const count = second.values.length * minute.values.length * hour.values.length;
  if (count > MAX_TIMES_OF_DAY) return undefined;
  const times: number[] = [];
  for (const h of hour.values)
    for (const m of minute.values)
      for (const s of second.values) times.push(((h as number) * 3600 + m * 60 + s) * 1000);
  times.sort((a, b) => a - b);
  let floor = DAY_MS - (times[times.length - 1] as number) + (times[0] as number);
  for (let i = 1; i < times.length; i++)
    floor = Math.min(floor, (times[i] as number) - (times[i - 1] as number));
  return floor;
}

function checkField(field: string, rule: FieldRule): string | undefined {
  for (const part of field.split(',')) {
    if (part === '') return `${rule.name} field '${field}' has an empty list item`;
    const [range = '', step, extra] = part.split('/');
    if (extra !== undefined) return `${rule.name} field '${field}' has more than one '/'`;
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) return `${rule.name} step '${step}' is not a number`;
      const value = Number(step);
      if (value < 1) return `${rule.name} step must be at least 1`;
      if (value > rule.max) return `${rule.name} ${value} is out of range ${rule.min}-${rule.max}`;
    }
    if (range === '*' || range === '?') continue;
    for (const token of range.split('-')) {
      // L, W and # (last day, weekday, nth weekday) are left to cron-parser.
      if (/[LW#]/i.test(token)) continue;
      if (/^\d+$/.test(token)) {
        const value = Number(token);
        if (value < rule.min || value > rule.max) {
          return `${rule.name} ${value} is out of range ${rule.min}-${rule.max}`;
        }
      } else if (!rule.names?.includes(token.toLowerCase())) {
        return `${rule.name} '${token}' is not a number${rule.names ? ` or a name (${rule.names.join(', ')})` : ''}`;
      }
    }
  }
  return undefined;
}

/** The next `count` run times after `from`, in the schedule's zone. */
export function nextCronRuns(
  expression: string,
  timezone: string,
  count: number,
  from = new Date(),
): Date[] {
  const iterator = CronExpressionParser.parse(normalizeCron(expression), {
    tz: timezone,
    currentDate: from,
  });
  return iterator.take(count).map((date) => date.toDate());
}
