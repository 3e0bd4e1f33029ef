import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { CliProcess, runCli, uniquePrefix, writeProject } from '../test/helpers/cli.js';
import { RECORDING_HANDLER, readRuns } from '../test/helpers/fixtures.js';

/**
 * Restart latency: from `jobs restart` raising the restart stamp to every worker of a
 * `jobs start --workers 2` replaced (the old ones' heartbeats gone, new ones beating), as
 * `jobs restart --wait --json` measures it. Idle: the goal is ≤ 1 s. Busy, each worker
 * mid-way through a job: the restart waits for the job, so the goal is ≤ the job's
 * remaining time + 1 s; `busy_overhead_ms` is what it took beyond that remaining time.
 */

const WORKERS = 2;
const ROUNDS = 3;
const BUSY_JOB_MS = 3_000;

interface RestartOutcome {
  replaced: boolean;
  requestedAt: string;
  elapsedMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function restart(dir: string, env: NodeJS.ProcessEnv): Promise<RestartOutcome> {
  const result = await runCli(['restart', '--wait', '30s', '--json'], { cwd: dir, env });
  const outcome = JSON.parse(result.stdout) as RestartOutcome;
  if (result.code !== 0 || !outcome.replaced) throw new Error(`restart failed: ${result.stdout}`);
  return outcome;
}

async function waitForWorkers(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (;;) {
    const result = await runCli(['status', '--json'], { cwd: dir, env });
    const status = JSON.parse(result.stdout) as { processes: { role: string }[] };
    if (status.processes.filter((beat) => beat.role === 'worker').length === WORKERS) return;
    await sleep(100);
  }
}

export async function benchRestart(redisUrl: string): Promise<Record<string, number>> {
  const dir = writeProject({
    'jobs.yaml': 'jobs:\n  sleepy:\n    module: ./job.js\n',
    'job.js': RECORDING_HANDLER,
  });
  const runsFile = path.join(dir, 'runs.jsonl');
  const env = { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix(), RUNS_FILE: runsFile };
  const daemon = CliProcess.start(['start', '--workers', String(WORKERS)], { cwd: dir, env });
  const queue = new Queue('default', { connection: { url: redisUrl }, prefix: env.JOBS_PREFIX });
  try {
    await daemon.waitFor((line) => line.msg === 'daemon started');
    const idle: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await waitForWorkers(dir, env);
      await sleep(500); // let the new workers settle into waiting for jobs
      idle.push((await restart(dir, env)).elapsedMs);
    }

    const busy: number[] = [];
    const overhead: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await waitForWorkers(dir, env);
      const seen = readRuns(runsFile).length;
      await queue.addBulk(
        Array.from({ length: WORKERS }, () => ({ name: 'sleepy', data: { sleepMs: BUSY_JOB_MS } })),
      );
      while (readRuns(runsFile).length < seen + WORKERS) await sleep(20);
      await sleep(BUSY_JOB_MS / 3); // mid-job
      const outcome = await restart(dir, env);
      const started = readRuns(runsFile).slice(seen);
      const lastEnd = Math.max(...started.map((run) => run.at + BUSY_JOB_MS));
      const remaining = lastEnd - Date.parse(outcome.requestedAt);
      busy.push(outcome.elapsedMs);
      overhead.push(outcome.elapsedMs - remaining);
    }
    const figures = {
      idle_ms: median(idle),
      idle_max_ms: Math.max(...idle),
      busy_ms: median(busy),
      busy_overhead_ms: median(overhead),
      busy_overhead_max_ms: Math.max(...overhead),
    };
    console.log(
      `idle workers     replaced in ${figures.idle_ms} ms (median of ${ROUNDS}, max ${figures.idle_max_ms}; goal ≤ 1000)`,
    );
    console.log(
      `workers mid-job  replaced in ${figures.busy_ms} ms = remaining job time + ${figures.busy_overhead_ms} ms (max + ${figures.busy_overhead_max_ms}; goal ≤ + 1000)`,
    );
    return figures;
  } finally {
    await daemon.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
