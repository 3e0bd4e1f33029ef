import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeJobs, enqueue } from '../src/index.js';
import { runCli, uniquePrefix } from '../test/helpers/cli.js';
import { freePort, TestRedis } from '../test/helpers/redis-server.js';
import { SoakDaemon } from './soak-daemon.js';
import { soakJob, writeSoakProject, type SoakProject, type StartLine } from './soak-project.js';
import {
  report,
  type DownWindow,
  type EnqueuedJob,
  type Fault,
  type Outcome,
} from './soak-report.js';
import { isFinal, readOutcomes } from './soak-states.js';
import { between, pick, randomStream, within } from './soak-util.js';

/**
 * `npm run soak`: one `jobs start --workers 2` on a private redis-server (AOF on), fed
 * on-demand jobs for SOAK_MINUTES while a fault is injected every ~20 s: a worker
 * SIGKILLed, `jobs restart`, SIGHUP, Redis restarted with its data or EMPTY, a handler
 * that blocks its event loop, one that calls process.exit. Then it drains the queue,
 * stops the daemon and checks, from Redis and the handlers' side-effect files, that no
 * job was lost or started more often than its attempts and no tick ran twice or late.
 * Every wait has a deadline; every process and directory it made is removed on any exit.
 */

const MINUTES = Number(process.env.SOAK_MINUTES ?? '5');
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const QUEUE = 'default';
const FAULT_EVERY_MS = 20_000;
const FAULT_JITTER_MS = 5_000;
const ENQUEUE_EVERY_MS = 400;
const ENQUEUE_TIMEOUT_MS = 5_000;
const DRAIN_TIMEOUT_MS = 60_000;
const REFRESH_EVERY_MS = 30_000;
/** The daemon's JOBS_STOP_TIMEOUT: longer than any slow job, short enough for a soak. */
const STOP_TIMEOUT = '10s';
const DAEMON_EXIT_TIMEOUT_MS = 40_000;
const FAULTS = [
  'kill-worker',
  'restart',
  'sighup',
  'redis-restart',
  'redis-empty',
  'enqueue-block',
  'enqueue-exit',
] as const;
type FaultKind = (typeof FAULTS)[number];
/** SOAK_FAULTS=redis-empty,kill-worker narrows the draw, to chase one fault. */
function chooseFaults(list: string | undefined): readonly FaultKind[] {
  if (!list) return FAULTS;
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(FAULTS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`SOAK_FAULTS: unknown ${unknown.join(', ')}; valid: ${FAULTS.join(', ')}`);
  return names as FaultKind[];
}

// Two streams: SOAK_SEED repeats the faults (kinds, spacing, downtimes) however jobs interleave.
const faultRandom = randomStream(SEED);
const jobRandom = randomStream(SEED ^ 0x5bd1e995);

class Soak {
  readonly abort = new AbortController();
  readonly prefix = uniquePrefix();
  redis: TestRedis | undefined;
  project: SoakProject | undefined;
  daemon: SoakDaemon | undefined;
  private seq = 0;
  private paused = false;
  private inFlight: Promise<void> = Promise.resolve();
  readonly jobs: EnqueuedJob[] = [];
  readonly outcomes = new Map<string, Outcome>();
  readonly windows: DownWindow[] = [];
  readonly faults: Fault[] = [];
  readonly enqueueStats = { errors: 0, unsettled: 0, reopened: 0 };
  startedAt = 0;

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private note(kind: string, detail: string): void {
    this.faults.push({ at: Date.now(), kind, detail });
    console.log(
      `${`+${((Date.now() - this.startedAt) / 1000).toFixed(1)}s`.padStart(8)}  ${kind}  ${detail}`,
    );
  }

  async setUp(): Promise<void> {
    this.redis = await TestRedis.start();
    this.project = writeSoakProject();
    // The exported enqueue() reads these, as an application's would.
    process.env.REDIS_URL = this.redis.url;
    process.env.JOBS_PREFIX = this.prefix;
    this.daemon = new SoakDaemon(this.project, await freePort(), {
      JOBS_STOP_TIMEOUT: STOP_TIMEOUT,
    });
    await this.daemon.waitReady(30_000, this.signal);
  }

  /** Enqueues one run through the package's API; a slow call is waited for in the background. */
  private enqueueOne(name: string, data: object): Promise<void> {
    const job = soakJob(name);
    if (!job || !this.project) throw new Error(`no soak job ${name}`);
    const id = `soak-${++this.seq}`;
    const at = Date.now();
    const call = enqueue(name, data, { config: this.project.config, jobId: id }).then(
      () => void this.jobs.push({ id, name, attempts: job.attempts, at }),
      async (error: Error) => {
        this.enqueueStats.errors++;
        if (this.enqueueStats.errors <= 3)
          console.log(`          enqueue ${name} failed: ${error.message}`);
        // A producer gives up reconnecting after a few tries: open a new client next time.
        this.enqueueStats.reopened++;
        await closeJobs();
      },
    );
    return within(call, ENQUEUE_TIMEOUT_MS, 'enqueue').catch(() => {
      this.enqueueStats.unsettled++;
      void call.finally(() => this.enqueueStats.unsettled--);
    });
  }

  async enqueueLoop(until: number): Promise<void> {
    let refreshedAt = Date.now();
    while (Date.now() < until) {
      // Note finished jobs as they go: BullMQ keeps at most 10,000 completed runs a queue.
      if (!this.paused && Date.now() - refreshedAt > REFRESH_EVERY_MS) {
        refreshedAt = Date.now();
        this.inFlight = this.refreshOutcomes(5_000).then(
          () => undefined,
          () => undefined,
        );
        await this.inFlight;
      }
      if (!this.paused) {
        const slow = jobRandom() < 0.1;
        const name = `${slow ? 'slow' : 'short'}-${between(jobRandom, 1, 3)}`;
        // Most runs succeed; some fail their first attempt(s), some every attempt.
        const roll = jobRandom();
        const failFirst = roll < 0.7 ? 0 : roll < 0.9 ? 1 : 3;
        this.inFlight = this.enqueueOne(name, {
          ms: slow ? between(jobRandom, 1_000, 3_000) : between(jobRandom, 1, 10),
          failFirst,
        });
        await this.inFlight;
      }
      await sleep(between(jobRandom, ENQUEUE_EVERY_MS / 2, (ENQUEUE_EVERY_MS * 3) / 2), undefined, {
        signal: this.signal,
      });
    }
  }

  async faultLoop(until: number, kinds: readonly FaultKind[]): Promise<void> {
    for (;;) {
      const next =
        Date.now() +
        between(faultRandom, FAULT_EVERY_MS - FAULT_JITTER_MS, FAULT_EVERY_MS + FAULT_JITTER_MS);
      if (next >= until) return;
      await sleep(next - Date.now(), undefined, { signal: this.signal });
      await this.inject(pick(faultRandom, kinds));
    }
  }

  private async inject(kind: FaultKind): Promise<void> {
    const project = this.project as SoakProject;
    switch (kind) {
      case 'kill-worker': {
        const pids = this.daemon?.liveWorkers() ?? [];
        if (pids.length === 0) return this.note(kind, 'skipped: no live worker');
        const pid = pick(faultRandom, pids);
        process.kill(pid, 'SIGKILL');
        return this.note(kind, `SIGKILL pid ${pid}`);
      }
      case 'restart': {
        this.note(kind, 'jobs restart');
        const result = await runCli(['restart', '--config', project.config], {
          cwd: project.dir,
          timeoutMs: 15_000,
        }).catch((error: Error) => ({ code: null, stderr: error.message }));
        if (result.code !== 0)
          console.log(`          jobs restart exited ${result.code}: ${result.stderr.trim()}`);
        return;
      }
      case 'sighup':
        this.daemon?.process.signal('SIGHUP');
        return this.note(kind, `SIGHUP pid ${this.daemon?.pid}`);
      case 'redis-restart':
        return this.redisDown(false);
      case 'redis-empty':
        return this.redisDown(true);
      case 'enqueue-block':
      case 'enqueue-exit': {
        const name = `${kind === 'enqueue-block' ? 'block' : 'exit'}-${between(faultRandom, 1, 2)}`;
        this.note(kind, `${name} as soak-${this.seq + 1}`);
        return this.enqueueOne(name, {});
      }
    }
  }

  /** Stops Redis for a few seconds; `empty`: deletes its data first, after noting what is lost. */
  private async redisDown(empty: boolean): Promise<void> {
    const redis = this.redis as TestRedis;
    if (empty) {
      this.paused = true;
      await this.inFlight;
      const unread = await this.refreshOutcomes(10_000).then(
        () => '',
        (error: Error) => ` (job states unread: ${error.message})`,
      );
      // Not yet finished now: lost with the data. One already gone stays "vanished".
      const lost = this.jobs.filter(
        (job) =>
          !isFinal(this.outcomes.get(job.id)) && this.outcomes.get(job.id)?.state !== 'vanished',
      );
      for (const job of lost) this.outcomes.set(job.id, { state: 'lost' });
      this.note(
        'redis-empty',
        `stop, delete the data, start; ${lost.length} unfinished jobs lost with it${unread}`,
      );
    } else this.note('redis-restart', 'stop, start with its data');
    const from = Date.now();
    try {
      await redis.stop();
      if (empty)
        for (const entry of readdirSync(redis.dir))
          rmSync(path.join(redis.dir, entry), { recursive: true, force: true });
      await sleep(
        empty ? between(faultRandom, 1_000, 3_000) : between(faultRandom, 2_000, 5_000),
        undefined,
        {
          signal: this.signal,
        },
      );
      await startRedis(redis, this.signal);
    } finally {
      this.windows.push({ from, to: Date.now(), empty });
      this.paused = false;
    }
  }

  refreshOutcomes(timeoutMs: number): Promise<number> {
    const target = { url: (this.redis as TestRedis).url, prefix: this.prefix, queue: QUEUE };
    return readOutcomes(target, this.jobs, this.outcomes, timeoutMs);
  }

  async drain(): Promise<boolean> {
    await within(this.inFlight, ENQUEUE_TIMEOUT_MS + 1_000, 'the last enqueue').catch(
      () => undefined,
    );
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (;;) {
      const left = await this.refreshOutcomes(10_000).catch(() => Infinity);
      if (left === 0) return true;
      if (Date.now() > deadline) {
        console.log(`drain: ${left} jobs still unfinished after ${DRAIN_TIMEOUT_MS / 1000}s`);
        return false;
      }
      await sleep(1_000, undefined, { signal: this.signal });
    }
  }

  /** Idempotent; also the Ctrl-C path. Each step on its own, so one failure cannot skip the rest. */
  async cleanUp(): Promise<void> {
    await this.daemon?.stop(15_000).catch(() => undefined);
    await within(closeJobs(), 3_000, 'closing the enqueue client').catch(() => undefined);
    await this.redis?.destroy().catch(() => undefined);
    if (this.project) rmSync(this.project.dir, { recursive: true, force: true });
  }

  /** For a second Ctrl-C: kill everything now, synchronously where it can be. */
  killNow(): void {
    this.daemon?.killNow();
    void this.redis?.stop();
    if (this.redis) rmSync(this.redis.dir, { recursive: true, force: true });
    if (this.project) rmSync(this.project.dir, { recursive: true, force: true });
  }
}

/** Starts a stopped TestRedis again on its port, retrying a start that did not answer. */
async function startRedis(redis: TestRedis, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // Aborted meanwhile: the clean-up has destroyed it, and nothing may start it again.
    signal.throwIfAborted();
    try {
      return await redis.start();
    } catch (error) {
      await redis.stop();
      if (attempt === 3) throw error;
    }
  }
}

function readLines<T>(file: string, parse: (line: string) => T): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parse);
}

async function main(soak: Soak): Promise<number> {
  if (!(MINUTES > 0))
    throw new Error(
      `SOAK_MINUTES must be a positive number of minutes, not '${process.env.SOAK_MINUTES}'`,
    );
  if (!Number.isInteger(SEED))
    throw new Error(`SOAK_SEED must be an integer, not '${process.env.SOAK_SEED}'`);
  const kinds = chooseFaults(process.env.SOAK_FAULTS);
  console.log(`soak: ${MINUTES} min, seed ${SEED} (SOAK_SEED=${SEED} repeats the fault sequence)`);
  await soak.setUp();
  soak.startedAt = Date.now();
  const until = soak.startedAt + MINUTES * 60_000;
  await Promise.all([soak.enqueueLoop(until), soak.faultLoop(until, kinds)]);
  console.log(
    `enqueueing stopped after ${soak.jobs.length} jobs; draining (up to ${DRAIN_TIMEOUT_MS / 1000}s)`,
  );
  const drained = await soak.drain();
  const daemon = soak.daemon as SoakDaemon;
  const workerRestartsMetric = await daemon.restartsMetric();
  const stoppedAt = Date.now();
  const { exit, strays } = await daemon.stop(DAEMON_EXIT_TIMEOUT_MS);
  const project = soak.project as SoakProject;
  const failed = report({
    seed: SEED,
    minutes: MINUTES,
    startedAt: soak.startedAt,
    stoppedAt,
    jobs: soak.jobs,
    outcomes: soak.outcomes,
    starts: readLines(project.startsFile, (line) => JSON.parse(line) as StartLine),
    ticks: readLines(project.ticksFile, (line) => line.trim()),
    windows: soak.windows,
    faults: soak.faults,
    enqueue: soak.enqueueStats,
    drained,
    workerExits: daemon.workerExits(),
    workerRestartsMetric,
    daemonExit: exit,
    strays,
  });
  if (failed.length > 0)
    console.log(`soak: ${failed.length} check(s) failed: ${failed.join('; ')}`);
  return failed.length > 0 ? 1 : 0;
}

const soak = new Soak();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  if (++interrupts === 1) {
    console.error(
      `\nsoak: ${signal}: stopping the daemon and Redis, removing temp files (again to force)`,
    );
    soak.abort.abort(new Error(`interrupted by ${signal}`));
    return;
  }
  soak.killNow();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Every wait inside has its own deadline; this one bounds the whole, whatever happens.
const budgetMs = MINUTES * 60_000 + DRAIN_TIMEOUT_MS + DAEMON_EXIT_TIMEOUT_MS + 120_000;
const watchdog = setTimeout(
  () => soak.abort.abort(new Error(`the soak ran past its budget of ${budgetMs / 1000}s`)),
  budgetMs,
);

let code: number;
try {
  code = await Promise.race([
    main(soak),
    new Promise<never>((_, reject) =>
      soak.abort.signal.addEventListener('abort', () => reject(soak.abort.signal.reason as Error), {
        once: true,
      }),
    ),
  ]);
} catch (error) {
  console.error(`soak: ${(error as Error).message}`);
  if (soak.daemon?.process.stderr)
    console.error(`daemon stderr (tail):\n${soak.daemon.process.stderr.slice(-2_000)}`);
  code = interrupts > 0 ? 130 : 1;
} finally {
  clearTimeout(watchdog);
  await soak.cleanUp();
}
process.exit(code);
