import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import os from 'node:os';

/**
 * Who may use the admin page (SPEC §8, docs/web.md), decided from the request's headers
 * alone so that every daemon with the same tokens decides the same way:
 *
 * - no token, loopback address: open to the local host (role admin);
 * - no token, any other address: closed (the page and API answer 403 saying to set
 *   JOBS_WEB_TOKEN; /metrics and the probes go on working for Prometheus);
 * - JOBS_WEB_TOKEN (and JOBS_WEB_READONLY_TOKEN): `Authorization: Bearer <token>`, or the
 *   session cookie the login form sets.
 *
 * The session cookie is `<role>.<expiry ms>.<HMAC of both, keyed by that role's token>`:
 * any daemon holding the token can verify it (sessions survive a restart and work behind
 * a load balancer), and changing the token ends every session made with the old one.
 * The CSRF token is an HMAC of the session, so it needs no server-side state either.
 */

export type Role = 'admin' | 'readonly';
export type AccessMode = 'open' | 'token' | 'closed';

export const SESSION_COOKIE = 'jobs_session';
/** A login lasts this long; a new login is one form away. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export interface AccessOptions {
  token: string | undefined;
  readonlyToken: string | undefined;
  /** JOBS_WEB_HOSTS. */
  hosts: readonly string[];
  /** The host part of the listen address (`127.0.0.1`, `::1`, `0.0.0.0`, a name). */
  listenHost: string;
}

export class Access {
  readonly mode: AccessMode;
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly adminDigest: Buffer | undefined;
  private readonly readonlyDigest: Buffer | undefined;
  /** Open mode has no token to key the CSRF HMAC with: a secret of this process does. */
  private readonly csrfKey: string;

  constructor(private readonly options: AccessOptions) {
    this.mode = options.token ? 'token' : isLoopback(options.listenHost) ? 'open' : 'closed';
    this.adminDigest = options.token ? digest(options.token) : undefined;
    this.readonlyDigest = options.readonlyToken ? digest(options.readonlyToken) : undefined;
    this.csrfKey = options.token ?? randomBytes(32).toString('hex');
    this.allowedHosts = allowedHostNames(options.listenHost, options.hosts);
  }

  /**
   * Whether a request's Host header names this server. A page reached through another
   * name (DNS rebinding: evil.example resolving to 127.0.0.1) must not be served: its
   * scripts would read the API as if they were ours.
   */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const name = hostName(hostHeader);
    return this.allowedHosts.has(name) || isLoopback(name);
  }

  /** The role a token gives, or undefined for a wrong one. Constant time either way. */
  roleOfToken(token: string): Role | undefined {
    const given = digest(token);
    // Both comparisons always run: which one matched must not show in the timing.
    const admin = this.adminDigest ? timingSafeEqual(given, this.adminDigest) : false;
    const readonly = this.readonlyDigest ? timingSafeEqual(given, this.readonlyDigest) : false;
    return admin ? 'admin' : readonly ? 'readonly' : undefined;
  }

  /** A new session cookie value for the role, valid SESSION_TTL_MS from `now`. */
  issueSession(role: Role, now = Date.now()): string {
    const body = `${role}.${now + SESSION_TTL_MS}`;
    return `${body}.${this.sessionMac(role, body)}`;
  }

  /** The role of a session cookie value, or undefined when forged, expired, or of an old token. */
  roleOfSession(value: string | undefined, now = Date.now()): Role | undefined {
    if (!value || this.mode !== 'token') return undefined;
    const match = /^(admin|readonly)\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return undefined;
    const role = match[1] as Role;
    if (Number(match[2]) <= now) return undefined;
    const expected = this.sessionMac(role, `${role}.${match[2]}`);
    if (!expected) return undefined;
    return safeEqual(match[3] as string, expected) ? role : undefined;
  }

  /** The CSRF token of a session (open mode: of the local host). */
  csrfFor(session: string): string {
    return createHmac('sha256', this.csrfKey).update(`csrf:${session}`).digest('base64url');
  }

  csrfValid(session: string, given: string | undefined): boolean {
    return given !== undefined && safeEqual(given, this.csrfFor(session));
  }

  private sessionMac(role: Role, body: string): string | undefined {
    const key = role === 'admin' ? this.options.token : this.options.readonlyToken;
    if (!key) return undefined;
    return createHmac('sha256', key).update(`session:${body}`).digest('base64url');
  }
}

/** The session name open mode uses for its CSRF token: there are no logins. */
export const LOCAL_SESSION = 'local';

/** `127.0.0.1`, `::1`, `localhost` and names under it: this host only. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    name === '::ffff:127.0.0.1'
  );
}

/** `Example.com:9464` → `example.com`; `[::1]:9464` → `::1`. */
export function hostName(hostHeader: string): string {
  const text = hostHeader.trim().toLowerCase();
  const name = text.startsWith('[') ? text.slice(1, text.indexOf(']')) : text.split(':')[0];
  return (name ?? '').replace(/\.$/, '');
}

/**
 * The listen address and JOBS_WEB_HOSTS; on a wildcard address (0.0.0.0, ::) also this
 * host's name and its interfaces' addresses, the names it is reached by without a proxy.
 */
function allowedHostNames(listenHost: string, extra: readonly string[]): Set<string> {
  const names = new Set([hostName(listenHost), ...extra.map(hostName)]);
  if (['0.0.0.0', '::', ''].includes(hostName(listenHost))) {
    names.add(os.hostname().toLowerCase());
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const address of addresses ?? []) names.add(address.address.toLowerCase());
    }
  }
  return names;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares by digest, so neither the length nor the first differing character shows in the time. */
function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
