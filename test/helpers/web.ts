import { CliProcess } from './cli.js';
import type { OperatorProject } from './operator.js';

/** An HTTP answer of the admin page's server, its body parsed when it is JSON. */
export interface WebAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface WebRequestOptions {
  body?: unknown;
  /** Sent as is, with this Content-Type (a form, or JSON as text). */
  raw?: { type: string; text: string };
  bearer?: string;
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
}

/** A request as a browser or curl sends it; redirects are not followed, so they can be checked. */
export async function webRequest<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  url: string,
  options: WebRequestOptions = {},
): Promise<WebAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
  if (options.cookie) headers.Cookie = options.cookie;
  if (options.csrf) headers['X-CSRF-Token'] = options.csrf;
  let body: string | undefined;
  if (options.raw) {
    headers['Content-Type'] = options.raw.type;
    body = options.raw.text;
  } else if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body ?? {});
  }
  const response = await fetch(url, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    parsed = JSON.parse(text) as unknown;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/**
 * `jobs start` of a project with its HTTP address on a free port, and the base URL of the
 * admin page (with its base path) from the log line that announces it.
 */
export async function startWebDaemon(
  project: OperatorProject,
  args: string[] = [],
  addr = '127.0.0.1:0',
): Promise<{ daemon: CliProcess; url: string; origin: string }> {
  const daemon = project.startDaemon(['--metrics-addr', addr, ...args]);
  const line = await daemon.waitFor(
    (l) => l.msg === 'admin page listening' || String(l.msg).startsWith('the admin page is closed'),
  );
  const url = String(line.url).replace(/\/$/, '');
  return { daemon, url, origin: new URL(url).origin };
}

/** Polls until `probe` gives a value, or fails after `timeoutMs` naming what was awaited. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
