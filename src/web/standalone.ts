import { createServer, type Server } from 'node:http';
import type { Settings } from '../config/settings.js';
import { listenAt, parseAddress } from '../metrics/server.js';
import { createWebHandler, type WebHandler } from './listener.js';

/**
 * `jobs web`: the admin page and its API on an address of their own, without a daemon
 * (a host that runs workers under Supervisor, or an operator's laptop with REDIS_URL).
 */
export class StandaloneWeb {
  private readonly server: Server;
  private readonly handler: WebHandler;
  private stopping: Promise<void> | undefined;

  constructor(
    settings: Readonly<Settings>,
    private readonly address: string,
  ) {
    this.handler = createWebHandler(settings, parseAddress(address).host);
    this.server = createServer(this.handler.listener);
  }

  get mode(): WebHandler['mode'] {
    return this.handler.mode;
  }

  /** Listens; the page's URL. Throws a ConfigError naming the address when it cannot. */
  async start(): Promise<string> {
    const { host, port } = await listenAt(
      this.server,
      this.address,
      (why) => `address ${this.address} ${why}; choose another with --addr`,
    );
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}${this.handler.basePath}/`;
  }

  /** Stops listening, drops open connections and closes Redis. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        if (!this.server.listening) return resolve();
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
      await this.handler.close();
    })();
    return this.stopping;
  }
}
