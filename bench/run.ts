import os from 'node:os';
import { TestRedis } from '../test/helpers/redis-server.js';
import { benchCli } from './cli.js';
import { benchDefinitions } from './definitions.js';
import { benchFootprint } from './footprint.js';
import { benchLag } from './lag.js';
import { benchMetrics } from './metrics.js';
import { benchOutput } from './output.js';
import { spread } from './proc.js';
import { benchRestart } from './restart.js';
import { runThroughput, type Launch, type RunFigures } from './throughput.js';

/**
 * `npm run bench`: every figure is measured beside its baseline in this one run, on one
 * private redis-server, and reported as a ratio: this machine is shared and noisy, so
 * absolute numbers alone mean little. CPU time per job (from /proc) is the steadiest
 * figure; jobs/s moves with whatever else runs. The last line is JSON with every figure.
 */

const figures: Record<string, number> = {};

/** `BENCH_ONLY=metrics,cli` runs some sections; by default every one runs. */
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const wanted = (section: string) => ONLY.size === 0 || ONLY.has(section);

async function section(
  name: string,
  run: (redisUrl: string) => Promise<Record<string, number>>,
): Promise<void> {
  if (!wanted(name)) return;
  // Each section gets a fresh server: the CLI section keeps 100,000 failed jobs around.
  const redis = await TestRedis.start();
  try {
    console.log(`\n== ${name}`);
    for (const [key, value] of Object.entries(await run(redis.url)))
      figures[`${name}.${key}`] = value;
  } finally {
    await redis.destroy();
  }
}

async function main(): Promise<void> {
  await section('throughput', benchThroughput);
  await section('footprint', benchFootprint);
  // Starts servers of its own: with Redis's default hz 10, and the daemon's embedded one.
  if (wanted('lag')) {
    console.log('\n== lag');
    for (const [key, value] of Object.entries(await benchLag())) figures[`lag.${key}`] = value;
  }
  await section('metrics', benchMetrics);
  await section('cli', benchCli);
  // Restart latency (bench/restart.ts): `jobs restart` to every worker replaced.
  await section('restart', benchRestart);
  // 10,000 definitions (bench/definitions.ts) and a 10 MB command output (bench/output.ts).
  await section('definitions', benchDefinitions);
  await section('output', benchOutput);
  // Hand-written pieces against their libraries (bench/libraries.ts): no Redis. Imported
  // here, so that the other sections run in a checkout whose devDependencies are older.
  if (wanted('libraries')) {
    console.log('\n== libraries');
    const { benchLibraries } = await import('./libraries.js');
    for (const [key, value] of Object.entries(await benchLibraries()))
      figures[`libraries.${key}`] = value;
  }
  console.log(JSON.stringify(figures));
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Case {
  label: string;
  jobs: number;
  ours: Launch;
  bare: Launch;
}

const loadAverages = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');

/** `median (min–max)` of one figure over the rounds. */
function cell(values: number[], width: number): string {
  const { median, min, max } = spread(values);
  return `${median.toFixed(0)} (${min.toFixed(0)}–${max.toFixed(0)})`.padEnd(width);
}

/**
 * No-op module jobs: one `jobs work` against one bare BullMQ Worker process at the same
 * concurrency (100, then 1), and `jobs start` with 2 workers × 50 against 2 bare Worker
 * processes × 50. The sides alternate round by round, so both see the same load on this
 * shared machine; each figure is the median of the rounds, with its range.
 */
async function benchThroughput(redisUrl: string): Promise<Record<string, number>> {
  const highJobs = Number(process.env.BENCH_JOBS ?? 20_000);
  const lowJobs = Math.round(highJobs / 5);
  const only = new Set((process.env.BENCH_CASES ?? '').split(',').filter(Boolean));
  const cases: Case[] = [
    {
      label: 'c=100',
      jobs: highJobs,
      ours: { kind: 'work', concurrency: 100 },
      bare: { kind: 'bare', processes: 1, concurrency: 100 },
    },
    {
      label: 'c=1',
      jobs: lowJobs,
      ours: { kind: 'work', concurrency: 1 },
      bare: { kind: 'bare', processes: 1, concurrency: 1 },
    },
    {
      label: '2x50',
      jobs: highJobs,
      ours: { kind: 'daemon', workers: 2, concurrency: 50 },
      bare: { kind: 'bare', processes: 2, concurrency: 50 },
    },
    {
      // As deployed by default: the daemon serves /metrics, so its workers relay their runs.
      label: '2x50+m',
      jobs: highJobs,
      ours: {
        kind: 'daemon',
        workers: 2,
        concurrency: 50,
        env: { JOBS_METRICS_ADDR: '127.0.0.1:0' },
      },
      bare: { kind: 'bare', processes: 2, concurrency: 50 },
    },
  ];
  console.log(
    `no-op module jobs from a paused, pre-filled queue; ${ROUNDS} rounds, median (range); load ${loadAverages()}`,
  );
  console.log(
    'case   side                 jobs/s               CPU ms/1000 jobs: workers   whole tree',
  );
  const result: Record<string, number> = {};
  for (const c of cases) {
    if (only.size > 0 && !only.has(c.label)) continue;
    const runs: { ours: RunFigures[]; bare: RunFigures[] } = { ours: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.bare.push(await runThroughput(redisUrl, c.jobs, c.bare));
      runs.ours.push(await runThroughput(redisUrl, c.jobs, c.ours));
    }
    const describe = (launch: Launch) =>
      launch.kind === 'bare'
        ? `bare ${launch.processes}×c${launch.concurrency}`
        : launch.kind === 'work'
          ? `jobs work c${launch.concurrency}`
          : `jobs start ${launch.workers}×c${launch.concurrency}${launch.env ? ' +m' : ''}`;
    for (const side of ['ours', 'bare'] as const) {
      const list = runs[side];
      console.log(
        `${(side === 'ours' ? c.label : '').padEnd(7)}${describe(c[side]).padEnd(21)}${cell(
          list.map((r) => r.jobsPerS),
          21,
        )}${cell(
          list.map((r) => r.workerCpu),
          27,
        )}${cell(
          list.map((r) => r.treeCpu),
          0,
        )}`,
      );
    }
    const median = (side: 'ours' | 'bare', key: keyof RunFigures) =>
      spread(runs[side].map((r) => r[key])).median;
    const rate = median('ours', 'jobsPerS') / median('bare', 'jobsPerS');
    const cpu = median('ours', 'workerCpu') / median('bare', 'workerCpu');
    const tree = median('ours', 'treeCpu') / median('bare', 'treeCpu');
    const rateGoal = c.label === 'c=1' ? 0.9 : 0.95;
    console.log(
      `${''.padEnd(7)}${'ratio'.padEnd(21)}${`${rate.toFixed(2)} (goal ≥ ${rateGoal})`.padEnd(21)}${`${cpu.toFixed(2)} (goal ≤ 1.15)`.padEnd(27)}${tree.toFixed(2)}`,
    );
    Object.assign(result, {
      [`${c.label}.daemon_jobs_per_s`]: Math.round(median('ours', 'jobsPerS')),
      [`${c.label}.bullmq_jobs_per_s`]: Math.round(median('bare', 'jobsPerS')),
      [`${c.label}.ratio`]: Number(rate.toFixed(3)),
      [`${c.label}.daemon_worker_cpu_ms_per_1000`]: Math.round(median('ours', 'workerCpu')),
      [`${c.label}.bullmq_cpu_ms_per_1000`]: Math.round(median('bare', 'workerCpu')),
      [`${c.label}.cpu_ratio`]: Number(cpu.toFixed(3)),
      [`${c.label}.tree_cpu_ratio`]: Number(tree.toFixed(3)),
    });
  }
  console.log(`load after: ${loadAverages()}`);
  return result;
}

await main();
