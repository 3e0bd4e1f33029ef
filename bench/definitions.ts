import { statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { CliProcess, uniquePrefix, writeProject, type LogLine } from '../test/helpers/cli.js';
import { MANY_HANDLER, manyDefinitions } from '../test/helpers/many-definitions.js';
import {
  describeTiming,
  formatMs,
  loadAverage,
  memoryOf,
  median,
  repeat,
  timeCommand,
  verdict,
} from './measure.js';

/**
 * 10,000 definitions (test/helpers/many-definitions.ts, ~5 MB of YAML): `jobs validate`,
 * a daemon's first sync into an empty prefix, its sync after a restart with nothing
 * changed (both from the "synced" log line's durationMs, and from spawn to that line),
 * the daemon's memory once synced, its longest log line, `jobs list` and `jobs list
 * --json`. The daemon runs `--workers 0`: what is measured is the daemon itself.
 */

const JOBS = Number(process.env.BENCH_DEFINITIONS ?? 10_000);
const REPEATS = 3;
const GOALS = {
  validateMs: 1_000,
  firstSyncMs: 3_000,
  resyncMs: 500,
  rssMb: 150,
  logLineBytes: 4_096,
  listMs: 500,
};

interface SyncSample {
  syncMs: number;
  wallMs: number;
}

/** A daemon on the definitions, until its sync is logged; also the longest raw log line. */
async function syncOnce(
  dir: string,
  env: NodeJS.ProcessEnv,
  onMemory?: (pid: number) => void,
): Promise<SyncSample & { longestLine: number }> {
  const spawnedAt = Date.now();
  const daemon = CliProcess.start(['start', '--workers', '0', '--config', 'jobs.yaml'], {
    cwd: dir,
    env,
  });
  let longestLine = 0;
  let partial = 0;
  daemon.child.stdout?.on('data', (chunk: Buffer) => {
    for (let start = 0; ;) {
      const end = chunk.indexOf(10, start);
      if (end < 0) {
        partial += chunk.length - start;
        break;
      }
      longestLine = Math.max(longestLine, partial + end - start);
      partial = 0;
      start = end + 1;
    }
  });
  try {
    const synced = await daemon.waitFor(
      (line: LogLine) => line.msg === 'schedules synced',
      300_000,
    );
    await daemon.waitFor((line: LogLine) => line.msg === 'daemon started', 60_000);
    onMemory?.(daemon.pid);
    return {
      syncMs: Number(synced.durationMs),
      wallMs: Number(synced.time) - spawnedAt,
      longestLine,
    };
  } finally {
    await daemon.stop();
  }
}

/** Definitions in Redis and schedulers in BullMQ: the sync lost none. */
async function countSynced(redisUrl: string, prefix: string): Promise<[number, number]> {
  const client = new Redis(redisUrl);
  try {
    const definitions = await client.hlen(`${prefix}:meta:definitions`);
    let schedulers = 0;
    for (const queue of ['default', 'reports', 'files'])
      schedulers += await client.zcard(`${prefix}:${queue}:repeat`);
    return [definitions, schedulers];
  } finally {
    client.disconnect();
  }
}

export async function benchDefinitions(redisUrl: string): Promise<Record<string, number>> {
  const dir = writeProject({ 'jobs.yaml': manyDefinitions(JOBS), 'handler.js': MANY_HANDLER });
  const bytes = statSync(path.join(dir, 'jobs.yaml')).size;
  console.log(`${JOBS} definitions, ${(bytes / 1e6).toFixed(1)} MB of YAML in ${dir}`);
  const scheduled = Math.round((JOBS * 3) / 4);

  const validate = await repeat(REPEATS, () =>
    timeCommand(['validate', '--config', 'jobs.yaml'], { cwd: dir }, (stdout) => {
      if (!stdout.includes(`${JOBS} jobs, valid`)) throw new Error(`validate said: ${stdout}`);
    }),
  );
  console.log(
    `jobs validate:             ${describeTiming(validate, REPEATS)}; goal ≤ ${formatMs(GOALS.validateMs)} (${verdict(validate.medianMs, GOALS.validateMs)})`,
  );

  const first: SyncSample[] = [];
  const again: SyncSample[] = [];
  const rss: number[] = [];
  const firstRss: number[] = [];
  const peak: number[] = [];
  let longestLine = 0;
  let load = 0;
  let prefix = '';
  for (let round = 0; round < REPEATS; round++) {
    prefix = uniquePrefix();
    const env = { REDIS_URL: redisUrl, JOBS_PREFIX: prefix };
    const one = await syncOnce(dir, env, (pid) => firstRss.push(memoryOf(pid).rssMb));
    const [definitions, schedulers] = await countSynced(redisUrl, prefix);
    if (definitions !== JOBS || schedulers !== scheduled)
      throw new Error(`synced ${definitions} definitions and ${schedulers} schedulers`);
    const two = await syncOnce(dir, env, (pid) => {
      const memory = memoryOf(pid);
      rss.push(memory.rssMb);
      peak.push(memory.peakMb);
    });
    first.push(one);
    again.push(two);
    longestLine = Math.max(longestLine, one.longestLine, two.longestLine);
    load = Math.max(load, loadAverage());
  }
  const firstSync = median(first.map((s) => s.syncMs));
  const resync = median(again.map((s) => s.syncMs));
  console.log(
    `first sync:                ${formatMs(firstSync)} by its log line (max ${formatMs(Math.max(...first.map((s) => s.syncMs)))}), ${formatMs(median(first.map((s) => s.wallMs)))} from spawn (median of ${REPEATS}; load ${load}); goal ≤ ${formatMs(GOALS.firstSyncMs)} (${verdict(firstSync, GOALS.firstSyncMs)})`,
  );
  console.log(
    `unchanged re-sync:         ${formatMs(resync)} by its log line (max ${formatMs(Math.max(...again.map((s) => s.syncMs)))}), ${formatMs(median(again.map((s) => s.wallMs)))} from spawn (median of ${REPEATS}); goal ≤ ${formatMs(GOALS.resyncMs)} (${verdict(resync, GOALS.resyncMs)})`,
  );
  const rssMb = median(rss);
  const peakMb = median(peak);
  console.log(
    `daemon memory, restarted: RSS ${rssMb} MB, peak ${peakMb} MB (medians of ${REPEATS}); goal ≤ ${GOALS.rssMb} MB (${verdict(Math.max(rssMb, peakMb), GOALS.rssMb)}); after its first sync: RSS ${median(firstRss)} MB`,
  );
  console.log(
    `longest log line:          ${longestLine} bytes; goal ≤ ${GOALS.logLineBytes} (${verdict(longestLine, GOALS.logLineBytes)})`,
  );

  const env = { REDIS_URL: redisUrl, JOBS_PREFIX: prefix };
  const list = await repeat(REPEATS, () =>
    timeCommand(['list', '--config', 'jobs.yaml'], { cwd: dir, env }),
  );
  console.log(
    `jobs list:                 ${describeTiming(list, REPEATS)}; goal ≤ ${formatMs(GOALS.listMs)} (${verdict(list.medianMs, GOALS.listMs)})`,
  );
  const listJson = await repeat(REPEATS, () =>
    timeCommand(['list', '--json', '--config', 'jobs.yaml'], { cwd: dir, env }, (stdout) => {
      const rows = (JSON.parse(stdout) as unknown[]).length;
      if (rows !== JOBS) throw new Error(`jobs list --json gave ${rows} rows`);
    }),
  );
  console.log(`jobs list --json (all):    ${describeTiming(listJson, REPEATS)}`);
  return {
    jobs: JOBS,
    yamlBytes: bytes,
    validateMs: validate.medianMs,
    firstSyncMs: firstSync,
    firstSyncWallMs: median(first.map((s) => s.wallMs)),
    resyncMs: resync,
    resyncWallMs: median(again.map((s) => s.wallMs)),
    rssMb,
    peakRssMb: peakMb,
    firstSyncRssMb: median(firstRss),
    longestLogLine: longestLine,
    listMs: list.medianMs,
    listJsonMs: listJson.medianMs,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('set REDIS_URL to a Redis the benchmark may fill');
  console.log(JSON.stringify(await benchDefinitions(url)));
}
