import { DURATION_EXAMPLES, parseDuration } from '../definitions/duration.js';
import { ROLE_PATTERN } from '../definitions/types.js';

/**
 * The checks of setting values, for variables and the flags that override them alike: one
 * sentence per wrong value, naming the variable or flag (`label`) and the value given.
 */

/** A value read, or the sentence that says why it cannot be used. */
export type Checked<T> = { value: T; problem?: undefined } | { value?: undefined; problem: string };

/** A value read, or every sentence that says why not (a list can have several bad items). */
export type Parsed<T> =
  { value: T; problems?: undefined } | { value?: undefined; problems: readonly string[] };

export function toParsed<T>(checked: Checked<T>): Parsed<T> {
  return checked.problem === undefined
    ? { value: checked.value as T }
    : { problems: [checked.problem] };
}

/** The one check of whole numbers, for flags and variables alike. */
export function checkWholeNumber(label: string, text: string, min: number): Checked<number> {
  const number = Number(text);
  if (text.trim() === '' || !Number.isInteger(number) || number < min) {
    return { problem: `${label} '${text}' must be a whole number ≥ ${min}` };
  }
  return { value: number };
}

/** The one check of durations given as settings (ms). */
export function checkDuration(label: string, text: string): Checked<number> {
  const ms = parseDuration(text);
  if (ms === undefined)
    return { problem: `${label} '${text}' is not a duration (${DURATION_EXAMPLES})` };
  return { value: ms };
}

/** host:port (IPv6 in brackets) or `off`. */
export function checkMetricsAddr(label: string, text: string): Checked<string> {
  if (text !== 'off' && !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(text)) {
    return { problem: `${label} '${text}' must be host:port or off` };
  }
  return { value: text };
}

/** A switch: on/off (also 1/0, true/false, yes/no); anything else is a problem, not "on". */
export function checkOnOff(label: string, text: string): Checked<boolean> {
  const word = text.toLowerCase();
  if (['on', '1', 'true', 'yes'].includes(word)) return { value: true };
  if (['off', '0', 'false', 'no'].includes(word)) return { value: false };
  return { problem: `${label} '${text}' must be on or off` };
}

/**
 * REDIS_TLS predates the on/off switches: 1, true or yes turn it on and anything else
 * leaves it off, without a complaint that would stop a daemon which starts today.
 */
export function readTrue(_label: string, text: string): Checked<boolean> {
  return { value: /^(1|true|yes)$/i.test(text) };
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export function checkLogLevel(label: string, text: string): Checked<string> {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return { value: text };
  return { problem: `${label} '${text}' must be one of ${LOG_LEVELS.join(', ')}` };
}

export function checkRedisUrl(label: string, text: string): Checked<string> {
  if (!/^(redis|rediss):\/\//.test(text)) {
    return { problem: `${label} '${text}' must start with redis:// or rediss://` };
  }
  return { value: text };
}

/** Host ids become part of queue names and Redis keys: no ':' or spaces. */
export const HOST_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

export function checkHostId(label: string, text: string): Checked<string> {
  if (!HOST_ID_PATTERN.test(text)) {
    return { problem: `${label} '${text}' may hold only letters, digits, '.', '_' and '-'` };
  }
  return { value: text };
}

export function checkBasePath(label: string, text: string): Checked<string> {
  if (!/^\/[A-Za-z0-9._~\-/]*[^/]$/.test(text)) {
    return { problem: `${label} '${text}' must start with '/' and not end with one (e.g. /jobs)` };
  }
  return { value: text };
}

export interface RedisNode {
  host: string;
  port: number;
}

/** `host:port,host:port` (IPv6 in brackets): every bad item is named. */
export function parseNodes(label: string, text: string): Parsed<RedisNode[]> {
  const problems: string[] = [];
  const nodes = text.split(',').flatMap((item) => {
    const match = /^\s*(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(item);
    if (!match) {
      problems.push(`${label} item '${item}' must be host:port`);
      return [];
    }
    return [{ host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2]) }];
  });
  return problems.length > 0 ? { problems } : { value: nodes };
}

/** Host roles, comma-separated: once each, sorted; every bad role is named. */
export function parseRoles(label: string, text: string): Parsed<readonly string[]> {
  const roles = [...new Set(splitList(text))].sort();
  const problems = roles
    .filter((role) => !ROLE_PATTERN.test(role))
    .map(
      (role) =>
        `${label} item '${role}' may hold only lower-case letters, digits, '.', '_' and '-'`,
    );
  return problems.length > 0 ? { problems } : { value: Object.freeze(roles) };
}

/** Host names compare without case. */
export function parseHostNames(_label: string, text: string): Parsed<readonly string[]> {
  return { value: Object.freeze(splitList(text).map((host) => host.toLowerCase())) };
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
