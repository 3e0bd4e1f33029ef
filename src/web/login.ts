import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebRequestError } from '../errors.js';
import { SESSION_COOKIE, SESSION_TTL_MS } from './access.js';
import type { WebEnv, WebRequest } from './http.js';

/**
 * The login form (server-rendered, no script: it works wherever the page would) and the
 * logout action. A wrong token waits a moment before the answer, which slows guessing
 * down without a lockout an attacker could trigger for everybody.
 */
const WRONG_TOKEN_DELAY_MS = 500;

export function loginRoutes(app: Hono<WebEnv>, basePath: string): void {
  app.get('/login', (c) => {
    if (c.get('access').mode === 'open') return c.redirect(`${basePath}/`, 303);
    return c.html(loginPage(''));
  });
  app.get('/login.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'max-age=3600');
    return c.body(LOGIN_CSS);
  });
  app.post('/login', async (c) => {
    const access = c.get('access');
    if (access.mode === 'open') return c.redirect(`${basePath}/`, 303);
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b|^multipart\/form-data\b/i.test(type)) {
      throw new WebRequestError(415, 'the login form is sent as application/x-www-form-urlencoded');
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const role = token ? access.roleOfToken(token) : undefined;
    if (!role) {
      await sleep(WRONG_TOKEN_DELAY_MS);
      return c.html(loginPage('That token is not right.'), 401);
    }
    setCookie(c, SESSION_COOKIE, access.issueSession(role), {
      httpOnly: true,
      sameSite: 'Strict',
      path: `${basePath}/`,
      secure: overHttps(c),
      maxAge: SESSION_TTL_MS / 1000,
    });
    return c.redirect(`${basePath}/`, 303);
  });
  app.post('/logout', (c) => {
    if (getCookie(c, SESSION_COOKIE) !== undefined) {
      deleteCookie(c, SESSION_COOKIE, { path: `${basePath}/`, secure: overHttps(c) });
    }
    return c.redirect(`${basePath}/login`, 303);
  });
}

/** Behind a proxy that ends TLS the request reaches us as http: the proxy says so. */
function overHttps(c: WebRequest): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:';
}

function loginPage(problem: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · jobs</title>
<link rel="stylesheet" href="login.css">
</head>
<body>
<main>
<h1>jobs</h1>
<form method="post" action="login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
${problem ? `<p class="problem" role="alert">${problem}</p>` : ''}
<button type="submit">Log in</button>
</form>
<p class="hint">The token is JOBS_WEB_TOKEN (or JOBS_WEB_READONLY_TOKEN to look only) of the daemon.</p>
</main>
</body>
</html>
`;
}

const LOGIN_CSS = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
main { width: min(22rem, 90vw); }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
form { display: grid; gap: .6rem; }
input, button { font: inherit; padding: .55rem .7rem; border-radius: .4rem; border: 1px solid GrayText; }
button { cursor: pointer; background: #2563eb; color: #fff; border-color: #2563eb; }
.problem { color: #b91c1c; margin: 0; }
.hint { color: GrayText; font-size: .85rem; }
`;
