import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { CLI, runCli, uniquePrefix, writeProject } from '../test/helpers/cli.js';
import { FLOOD_SCRIPT } from '../test/helpers/flood.js';
import { loadAverage, median } from './measure.js';

/**
 * A command printing 10 MB, run by a daemon whose stdout is a file, then by one whose
 * stdout is a terminal (a pseudo-terminal from `script -qfc`, as an operator trying
 * `jobs start` by hand has): the run's duration from its record (BullMQ's processedOn to
 * finishedOn, as `jobs run-job --json` reports it), and how much reached the log.
 */

const OUTPUT_BYTES = 10 * 1024 * 1024;
const REPEATS = 3;
const GOAL_TTY_RATIO = 1.5;

interface OutputSample {
  durationMs: number;
  logBytes: number;
}

interface Daemon {
  child: ChildProcess;
  /** The daemon's own pid (under `script`, its child). */
  pid: () => number;
  log: string;
}

function startDaemon(dir: string, env: NodeJS.ProcessEnv, terminal: boolean): Daemon {
  const args = ['start', '--workers', '1', '--config', 'jobs.yaml'];
  if (!terminal) {
    const log = path.join(dir, 'daemon-file.log');
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env,
      stdio: ['ignore', fd, 'inherit'],
    });
    closeSync(fd);
    return { child, pid: () => child.pid ?? 0, log };
  }
  const log = path.join(dir, 'daemon-tty.log');
  const command = `exec ${process.execPath} ${CLI} ${args.join(' ')}`;
  const child = spawn('script', ['-qfc', command, log], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = () => {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8');
    const daemon = Number(children.trim().split(' ')[0]);
    // never 0: kill(0) would signal this whole process group, the benchmark included
    if (!(daemon > 0)) throw new Error(`script (${child.pid}) has no child process`);
    return daemon;
  };
  return { child, pid, log };
}

function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function waitForLog(file: string, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(file) && readFileSync(file, 'utf8').includes(text))) {
    if (Date.now() > deadline) throw new Error(`no '${text}' in ${file} within ${timeoutMs}ms`);
    await sleep(100);
  }
}

/** Waits until the log has stopped growing (the last lines of a run written). */
async function settledSize(file: string): Promise<number> {
  let size = logSize(file);
  for (;;) {
    await sleep(300);
    const now = logSize(file);
    if (now === size) return size;
    size = now;
  }
}

async function runFlood(dir: string, redisUrl: string, terminal: boolean): Promise<OutputSample[]> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl,
    JOBS_PREFIX: uniquePrefix(),
    JOBS_METRICS_ADDR: 'off',
  };
  delete env.JOBS_LOG_FORMAT;
  const daemon = startDaemon(dir, env, terminal);
  try {
    await waitForLog(daemon.log, 'worker started');
    const samples: OutputSample[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const before = await settledSize(daemon.log);
      const result = await runCli(['run-job', 'flood', '--json', '--config', 'jobs.yaml'], {
        cwd: dir,
        env: { REDIS_URL: redisUrl, JOBS_PREFIX: env.JOBS_PREFIX },
        timeoutMs: 300_000,
      });
      const printed = JSON.parse(result.stdout) as {
        status: string;
        durationMs: number;
        summary: { stdout: string };
      };
      if (result.code !== 0 || printed.status !== 'completed')
        throw new Error(`run-job flood: ${result.stdout} ${result.stderr}`);
      samples.push({
        durationMs: printed.durationMs,
        logBytes: (await settledSize(daemon.log)) - before,
      });
    }
    return samples;
  } finally {
    if (daemon.child.exitCode === null) {
      const exited = new Promise((resolve) => daemon.child.once('exit', resolve));
      process.kill(daemon.pid(), 'SIGTERM');
      await exited;
    }
  }
}

export async function benchOutput(redisUrl: string): Promise<Record<string, number>> {
  const dir = writeProject({
    'jobs.yaml': `jobs:\n  flood:\n    command: ["node", "flood.js", "${OUTPUT_BYTES}"]\n`,
    'flood.js': FLOOD_SCRIPT,
  });
  console.log(`a command printing ${OUTPUT_BYTES / 1024 / 1024} MiB of 100-byte lines`);
  const file = await runFlood(dir, redisUrl, false);
  const fileLoad = loadAverage();
  const tty = await runFlood(dir, redisUrl, true);
  const ttyLoad = loadAverage();
  const figures = {
    fileMs: median(file.map((s) => s.durationMs)),
    fileMaxMs: Math.max(...file.map((s) => s.durationMs)),
    fileLogBytes: median(file.map((s) => s.logBytes)),
    ttyMs: median(tty.map((s) => s.durationMs)),
    ttyMaxMs: Math.max(...tty.map((s) => s.durationMs)),
    ttyLogBytes: median(tty.map((s) => s.logBytes)),
    ttyRatio: 0,
  };
  figures.ttyRatio = Number((figures.ttyMs / figures.fileMs).toFixed(2));
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  console.log(
    `stdout a file:     run ${figures.fileMs} ms (median of ${REPEATS}, max ${figures.fileMaxMs}; load ${fileLoad}), log ${kb(figures.fileLogBytes)} a run`,
  );
  console.log(
    `stdout a terminal: run ${figures.ttyMs} ms (median of ${REPEATS}, max ${figures.ttyMaxMs}; load ${ttyLoad}), log ${kb(figures.ttyLogBytes)} a run`,
  );
  console.log(
    `terminal / file:   ${figures.ttyRatio}×; goal ≤ ${GOAL_TTY_RATIO}× (${figures.ttyRatio <= GOAL_TTY_RATIO ? 'met' : 'NOT met'})`,
  );
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('set REDIS_URL to a Redis the benchmark may use');
  console.log(JSON.stringify(await benchOutput(url)));
}
