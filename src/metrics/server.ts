import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ConfigError, errorMessage } from '../errors.js';

/** What the server shows: the metrics text, and whether the process is ready for work. */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
  /** Empty when ready; otherwise each reason it is not, in words. */
  notReadyReasons(): string[];
}

export interface MetricsRoutesOptions {
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  token: string | undefined;
  source: MetricsSource;
}

const PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * GET /metrics (Prometheus text), /healthz (the process answers) and /readyz (it can do
 * its work). The token guards /metrics only: the probes reveal nothing and are what
 * orchestrators call without credentials. Any other path answers 404; the daemon sends
 * those to the admin page instead, when it is on (`Daemon.startMetrics`).
 */
export class MetricsRoutes {
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly options: MetricsRoutesOptions) {
    this.tokenDigest = options.token ? digest(options.token) : undefined;
  }

  /** Whether the request is for one of the three paths. */
  static owns(request: IncomingMessage): boolean {
    return PATHS.has(pathOf(request));
  }

  /** Answers the request; a failure to render is a 500 with its reason. */
  serve(request: IncomingMessage, response: ServerResponse): void {
    this.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) respond(response, 500, `metrics failed: ${errorMessage(error)}`);
      else response.destroy();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = pathOf(request);
    if (!PATHS.has(path))
      return respond(response, 404, 'not found: try /metrics, /healthz or /readyz');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return respond(response, 405, 'method not allowed');
    }
    if (path === '/healthz') return respond(response, 200, 'ok');
    if (path === '/readyz') {
      const reasons = this.options.source.notReadyReasons();
      return reasons.length === 0
        ? respond(response, 200, 'ready')
        : respond(response, 503, `not ready: ${reasons.join('; ')}`);
    }
    if (!this.authorized(request)) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="jobs-daemon metrics"');
      return respond(
        response,
        401,
        'unauthorized: send Authorization: Bearer <JOBS_METRICS_TOKEN>',
      );
    }
    const { contentType, body } = await this.options.source.render();
    response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  private authorized(request: IncomingMessage): boolean {
    if (!this.tokenDigest) return true;
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    // Digests have one length whatever was sent, so the comparison takes the same time
    // whether the guess is short, long, or right up to its last character.
    return match !== null && timingSafeEqual(digest((match[1] as string).trim()), this.tokenDigest);
  }
}

/**
 * Node's HTTP server on the metrics address (JOBS_METRICS_ADDR), calling `listener` for
 * each request: the metrics routes, and in a daemon the admin page beside them.
 */
export class MetricsEndpoint {
  private readonly server: Server;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly address: string,
    listener: (request: IncomingMessage, response: ServerResponse) => void,
  ) {
    this.server = createServer(listener);
  }

  /** Listens, or throws a ConfigError naming the address when it cannot (in use, not local). */
  start(): Promise<{ host: string; port: number }> {
    return listenAt(
      this.server,
      this.address,
      (why) =>
        `metrics address ${this.address} ${why}; choose another with --metrics-addr or JOBS_METRICS_ADDR, or set it to off`,
    );
  }

  /** Stops listening and drops open connections. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopping;
  }
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0] as string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function respond(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}

/**
 * Listens on `host:port`, or throws a ConfigError whose sentence `explain` makes from why
 * not (in use, not an address of this host, no privileges).
 */
export async function listenAt(
  server: Server,
  address: string,
  explain: (why: string) => string,
): Promise<{ host: string; port: number }> {
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is already in use by another process'
          : error.code === 'EADDRNOTAVAIL'
            ? 'is not an address of this host'
            : error.code === 'EACCES'
              ? 'needs privileges this process does not have'
              : `cannot be listened on (${error.message})`;
      reject(new ConfigError(explain(why)));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address();
  return { host, port: typeof bound === 'object' && bound ? bound.port : port };
}

/** `127.0.0.1:9464`, `localhost:9464`, `[::1]:9464` → host and port. */
export function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`metrics address '${address}' must be host:port or off`);
  }
  return { host, port };
}
