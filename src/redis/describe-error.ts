import type { RedisTarget } from '../config/settings.js';
import { describeTarget } from './connection.js';

/**
 * Redis connection errors in the operator's words, in one place, for every command, the
 * daemon's outage reports and its "reachable again" line. ioredis hands out "Connection
 * is closed." from connect() and the real cause (a WRONGPASS reply, ECONNREFUSED) only on
 * its 'error' event: callers keep the last one of those and pass it here.
 */
type Fault =
  'wrong-password' | 'no-password' | 'refused' | 'reset' | 'timeout' | 'host-not-found' | 'other';

function faultOf(error: Error): Fault {
  const code = (error as NodeJS.ErrnoException).code;
  // Redis 6+ answers WRONGPASS; older servers "ERR invalid password".
  if (/\bWRONGPASS\b|invalid password/.test(error.message)) return 'wrong-password';
  if (/\bNOAUTH\b/.test(error.message)) return 'no-password';
  if (code === 'ECONNREFUSED') return 'refused';
  // An open connection to a server that died: the first error of most outages.
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'ETIMEDOUT' || /\bETIMEDOUT\b/.test(error.message)) return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host-not-found';
  return 'other';
}

const CAUSES: Readonly<Record<Exclude<Fault, 'other'>, string>> = {
  'wrong-password': 'password refused',
  'no-password': 'password required',
  refused: 'connection refused',
  reset: 'connection reset by the server',
  timeout: 'timeout',
  'host-not-found': 'host not found',
};

/** ioredis's words for a connection it does not have: closed, never made, given up on. */
const NO_CONNECTION =
  /^Connection is closed\.|enableOfflineQueue options is false|^Cluster is disconnect|^None of startup nodes is available|^Node is disconnected|^All sentinels are unreachable|^Command timed out|^Socket timeout|^Failed to refresh slots cache/;

/** Replies of a server that cannot serve now: loading its data, a replica, a cluster missing a master. */
const NOT_SERVING = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;

/**
 * Whether a command failed for want of a usable Redis (unreachable, refusing our password,
 * not serving yet), the failures that are an outage (exit 69), as against a Redis or a
 * BullMQ that refused what was asked.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (faultOf(error) !== 'other' || error.name === 'MaxRetriesPerRequestError') return true;
  return NO_CONNECTION.test(error.message) || NOT_SERVING.test(error.message);
}

/** What an outage was, in a few words: "connection refused", "password refused", … */
export function describeRedisCause(error: Error, target: RedisTarget): string {
  const fault = faultOf(error);
  return fault === 'other' ? withoutPasswords(error.message, target) : CAUSES[fault];
}

/**
 * One sentence for a Redis that cannot be used, naming an authentication failure as
 * such: "Redis refused the password for user 'default' at 127.0.0.1:6379". Never holds
 * the password.
 */
export function describeRedisError(error: Error, target: RedisTarget): string {
  const where = redisAddress(target);
  switch (faultOf(error)) {
    case 'wrong-password':
      return `Redis refused the password for user '${redisUser(target)}' at ${where}`;
    case 'no-password':
      // A URL carries its own credentials; REDIS_PASSWORD is for Cluster and Sentinel.
      return `Redis at ${where} requires a password: ${
        target.url || target.socket
          ? 'set it in REDIS_URL (redis://:PASSWORD@host:port)'
          : 'set REDIS_PASSWORD'
      }`;
    default:
      return `cannot reach Redis at ${where}: ${describeRedisCause(error, target)}`;
  }
}

/** host:port of a URL (no scheme, no credentials); the Cluster, Sentinels or socket in words. */
export function redisAddress(target: RedisTarget): string {
  if (!target.url) return describeTarget(target);
  const parsed = new URL(target.url);
  return `${parsed.hostname}:${parsed.port || 6379}`;
}

function redisUser(target: RedisTarget): string {
  const fromUrl = target.url ? decodeURIComponent(new URL(target.url).username) : '';
  return fromUrl || target.username || 'default';
}

/** Error texts are not ours: should one ever quote a password, it stops here. */
function withoutPasswords(text: string, target: RedisTarget): string {
  const passwords = [
    target.password,
    target.url ? decodeURIComponent(new URL(target.url).password) : undefined,
  ].filter((password): password is string => Boolean(password));
  return passwords.reduce((result, password) => result.split(password).join('***'), text);
}
