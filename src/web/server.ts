import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { getCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { WebRequestError } from '../errors.js';
import { LOCAL_SESSION, SESSION_COOKIE, type Access, type Role } from './access.js';
import { failedRoutes } from './api/failed.js';
import { jobRoutes } from './api/jobs.js';
import { queueRoutes } from './api/queues.js';
import { runRoutes } from './api/runs.js';
import { sessionRoutes } from './api/session.js';
import { workerRoutes } from './api/workers.js';
import type { WebContext } from './context.js';
import type { WebEnv, WebRequest } from './http.js';
import { loginRoutes } from './login.js';
import { redisAddress } from '../redis/describe-error.js';

export type PageAssets = Map<string, { type: string; body: string | Buffer }>;

export interface WebAppOptions {
  web: WebContext;
  access: Access;
  /** '' or `/jobs`. */
  basePath: string;
  page: PageAssets;
}

/** Paths under the base path anybody may GET: the login form needs no session. */
const PUBLIC_PATHS = new Set(['/login', '/login.css']);

/**
 * The admin page and its API (docs/web.md) as one hono app under the base path. Every
 * request passes the checks of `guard` first: the Host it names, whether the page is
 * open at all, who is asking, and for a POST its Origin, JSON body, CSRF token and role.
 * Nothing here changes state on a GET.
 */
export function createWebApp(options: WebAppOptions): Hono<WebEnv> {
  const { basePath, access, web } = options;
  const root = new Hono<WebEnv>();
  const app = basePath ? root.basePath(basePath) : root;

  root.use('*', secureHeaders(SECURITY_HEADERS));
  root.use('*', async (c, next) => {
    c.set('web', web);
    c.set('access', access);
    await next();
  });
  root.use('*', compress());
  root.use('*', (c, next) => guard(c, next, basePath));
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store'); // live data: never from a cache
  });
  if (basePath) root.get(basePath, (c) => c.redirect(`${basePath}/`, 301));

  loginRoutes(app, basePath);
  sessionRoutes(app, basePath);
  jobRoutes(app);
  runRoutes(app);
  failedRoutes(app);
  queueRoutes(app);
  workerRoutes(app);
  app.all('/api/*', () => {
    throw new WebRequestError(404, 'no such API route: see docs/web.md');
  });
  for (const [path, asset] of options.page) {
    // On root with the whole path: under a base path `app.get('/')` would be `B`, not `B/`.
    root.get(`${basePath}${path}`, (c) => {
      c.header('Content-Type', asset.type);
      c.header('Cache-Control', 'no-cache');
      return c.body(typeof asset.body === 'string' ? asset.body : new Uint8Array(asset.body));
    });
  }

  root.notFound((c) => c.json({ error: `not found: the admin page is at ${basePath}/` }, 404));
  root.onError((error, c) => {
    if (error instanceof WebRequestError) {
      if (error.status === 401 && c.get('access')?.mode === 'token') {
        c.header('WWW-Authenticate', 'Bearer realm="jobs"');
      }
      return c.json({ error: error.message }, error.status);
    }
    // A command that failed while Redis is away: say that, not "internal error".
    // ioredis's own words here ("Stream isn't writeable…") tell an operator nothing.
    if (web.client.status !== 'ready') {
      const where = redisAddress(web.settings.redis);
      return c.json({ error: `cannot reach Redis at ${where}; retrying` }, 503);
    }
    return c.json({ error: error.message }, 500);
  });
  return root;
}

/**
 * CSP: everything from this server, no inline script or style, no framing. HSTS is left
 * to the proxy that ends TLS: sent over plain http it would mean nothing, and sent by
 * mistake it pins a whole domain to https.
 */
const SECURITY_HEADERS = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'same-origin',
  strictTransportSecurity: false,
} satisfies Parameters<typeof secureHeaders>[0];

async function guard(
  c: WebRequest,
  next: () => Promise<void>,
  basePath: string,
): Promise<Response | void> {
  const access = c.get('access');
  const host = c.req.header('host');
  if (!access.hostAllowed(host)) {
    throw new WebRequestError(
      421,
      `this server does not answer to the host name '${host ?? ''}'; a reverse proxy's name goes in JOBS_WEB_HOSTS`,
    );
  }
  if (access.mode === 'closed') {
    throw new WebRequestError(
      403,
      'the admin page is closed: this server listens on a non-loopback address and JOBS_WEB_TOKEN is not set; set it to open the page with a login',
    );
  }
  const method = c.req.method;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    c.header('Allow', 'GET, HEAD, POST');
    throw new WebRequestError(405, `method ${method} is not allowed`);
  }
  const path = c.req.path.slice(basePath.length) || '/';
  const post = method === 'POST';
  if (post && !sameOrigin(c)) {
    throw new WebRequestError(403, 'cross-site request refused: the Origin is not this server');
  }
  if (PUBLIC_PATHS.has(path)) return next();

  const caller = authenticate(c);
  if (!caller) {
    if (!path.startsWith('/api/') && method !== 'POST') {
      return c.redirect(`${basePath}/login`, 303);
    }
    throw new WebRequestError(
      401,
      'not logged in: log in at the page, or send Authorization: Bearer <JOBS_WEB_TOKEN>',
    );
  }
  c.set('role', caller.role);
  c.set('session', caller.session);
  c.set('bearer', caller.bearer);
  if (post && path !== '/logout') {
    if (caller.role !== 'admin') {
      throw new WebRequestError(403, 'read-only access: this token may look but not act');
    }
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new WebRequestError(415, 'POST bodies are JSON: send Content-Type: application/json');
    }
  }
  if (post && !caller.bearer) {
    const token = c.req.header('x-csrf-token') ?? (await csrfField(c, path));
    if (caller.session === undefined || !access.csrfValid(caller.session, token)) {
      throw new WebRequestError(
        403,
        'missing or stale CSRF token: send X-CSRF-Token with the csrf of GET api/session',
      );
    }
  }
  return next();
}

/** Logout may come from a plain form: its token is then a form field. */
async function csrfField(c: WebRequest, path: string): Promise<string | undefined> {
  if (path !== '/logout') return undefined;
  if (!/^application\/x-www-form-urlencoded/i.test(c.req.header('content-type') ?? '')) {
    return undefined;
  }
  const form = await c.req.parseBody();
  return typeof form.csrf === 'string' ? form.csrf : undefined;
}

/**
 * A POST from a page of this server. Browsers send Origin with every cross-origin POST
 * (and Sec-Fetch-Site with every request); a client that sends neither is no browser
 * and cannot carry a victim's cookie. hono's own csrf middleware is not used: it checks
 * form content types only (a request with another or no Content-Type passed it, see
 * GHSA-2234-fmw7-43wr), and the API must refuse cross-site JSON too.
 */
function sameOrigin(c: WebRequest): boolean {
  const origin = c.req.header('origin');
  const site = c.req.header('sec-fetch-site');
  if (origin === undefined) return site === undefined || site === 'same-origin' || site === 'none';
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // 'null' (a sandboxed or file: page) and anything unreadable
  }
  const hosts = [c.req.header('host'), c.req.header('x-forwarded-host')?.split(',')[0]]
    .filter((host): host is string => Boolean(host))
    .map((host) => host.trim().toLowerCase());
  return hosts.includes(url.host.toLowerCase());
}

/** The caller's role: a Bearer token, the session cookie, or the local host in open mode. */
function authenticate(
  c: WebRequest,
): { role: Role; session: string | undefined; bearer: boolean } | undefined {
  const access = c.get('access');
  if (access.mode === 'open') return { role: 'admin', session: LOCAL_SESSION, bearer: false };
  const authorization = c.req.header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const role = match ? access.roleOfToken(match[1] as string) : undefined;
    if (!role) throw new WebRequestError(401, 'wrong token in Authorization: Bearer');
    return { role, session: undefined, bearer: true };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  const role = access.roleOfSession(cookie);
  return role && cookie ? { role, session: cookie, bearer: false } : undefined;
}
