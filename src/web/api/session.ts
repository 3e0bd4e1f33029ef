import type { Hono } from 'hono';
import { PACKAGE_VERSION } from '../../process/version.js';
import type { WebEnv } from '../http.js';

/** GET api/session: who the caller is, the CSRF token for its POSTs, and where the page lives. */
export function sessionRoutes(app: Hono<WebEnv>, basePath: string): void {
  app.get('/api/session', (c) => {
    const session = c.get('session');
    return c.json({
      role: c.get('role'),
      csrf: session === undefined ? null : c.get('access').csrfFor(session),
      basePath,
      version: PACKAGE_VERSION,
      host: c.get('web').settings.hostId,
      // A token is configured: the page offers Log out (open to the local host, none).
      login: c.get('access').mode === 'token',
    });
  });
}
