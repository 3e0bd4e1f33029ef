import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Settings } from '../config/settings.js';
import { openRedis } from '../redis/connection.js';
import { Access, type AccessMode } from './access.js';
import { WebContext } from './context.js';
import { pageAssets } from './page.js';
import { createWebApp } from './server.js';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface WebHandler {
  /** Node's request listener for every path the metrics server does not serve itself. */
  listener: RequestListener;
  mode: AccessMode;
  basePath: string;
  /** Closes its Redis connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * The admin page and API as a node:http request listener, for the daemon's metrics
 * server (metrics/server.ts hands it every path but /metrics, /healthz and /readyz) and
 * for `jobs web`. Imported lazily by both: JOBS_WEB=off loads none of it.
 */
export function createWebHandler(settings: Readonly<Settings>, listenHost: string): WebHandler {
  const client = openRedis(settings.redis, 'monitor');
  client.on('error', () => undefined); // each request that meets the outage answers 503
  const web = new WebContext(settings, client);
  const access = new Access({ ...settings.web, listenHost });
  const app = createWebApp({
    web,
    access,
    basePath: settings.web.basePath,
    page: pageAssets(),
  });
  return {
    listener: getRequestListener(app.fetch),
    mode: access.mode,
    basePath: settings.web.basePath,
    close: () => web.close(),
  };
}
