import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliProcess } from './cli.js';

/** One sample line of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  status: number;
  text: string;
}

export async function httpGet(url: string, token?: string): Promise<Scrape> {
  const response = await fetch(url, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

/** Parses the sample lines of a scrape (comments skipped). Enough for our label values. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = pair[2] as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; undefined if none. */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match`);
  return found[0]?.value;
}

/** Polls until `check` returns a value other than undefined, or fails after the timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${String(last)})`);
    await sleep(200);
  }
}

/**
 * `jobs start` with metrics on a free port the daemon picks itself (127.0.0.1:0), and
 * the base URL it logged.
 */
export async function startMetricsDaemon(options: {
  dir: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}): Promise<{ daemon: CliProcess; url: string }> {
  const daemon = CliProcess.start(
    [
      'start',
      '--config',
      path.join(options.dir, 'jobs.yaml'),
      '--metrics-addr',
      '127.0.0.1:0',
      ...options.args,
    ],
    { cwd: options.dir, env: options.env },
  );
  try {
    const line = await daemon.waitFor((l) => l.msg === 'metrics listening');
    return { daemon, url: String(line.url) };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}
