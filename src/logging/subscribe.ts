import type { JobsEventBus } from '../events.js';
import { formatDuration } from '../definitions/duration.js';
import type { Logger } from './logger.js';
import { RunLogBudget } from './run-budget.js';

function describeJobs(jobs: { id: string; name: string }[], lead: string): string {
  if (jobs.length === 0) return '';
  return `${lead} ${jobs.map((job) => `job ${job.name} (id ${job.id})`).join(', ')}`;
}

/** Names shown in a log line; the rest are counted (10,000 names made a 105 KB line). */
const NAMES_SHOWN = 10;

/** "a, b, … and 9990 more" */
function someNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown}, … and ${names.length - NAMES_SHOWN} more` : shown;
}

/** "10000 jobs: 7500 added (backup-0001, …, … and 7490 more), 2 removed (old-a, old-b)" */
function describeSync(e: {
  jobs: number;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}): string {
  const parts = (['added', 'changed', 'removed'] as const)
    .filter((kind) => e[kind].length > 0)
    .map((kind) => `${e[kind].length} ${kind} (${someNames(e[kind])})`);
  if (e.unchanged.length > 0) parts.push(`${e.unchanged.length} unchanged`);
  return `${e.jobs} job${e.jobs === 1 ? '' : 's'}: ${parts.join(', ') || 'no schedules'}`;
}

/**
 * The one place lifecycle events become log lines: a JSON line for each run's start and
 * end (at `info` up to RUN_LINES_PER_SECOND runs of a job a second: run-budget.ts), every
 * failure, and the workers' and daemon's own events.
 */
export function logEvents(bus: JobsEventBus, log: Logger): void {
  const budget = new RunLogBudget(log);
  // Checked before a line is built: at `warn` a run costs no object and no string. The
  // levels are read once, and again only when pino says the level changed.
  let debug = false;
  let info = false;
  const readLevels = () => {
    debug = log.isLevelEnabled('debug');
    info = log.isLevelEnabled('info');
  };
  readLevels();
  log.on('level-change', readLevels);
  const logRun = (job: string, kind: 'started' | 'completed') =>
    debug || (info && budget.take(job, kind));
  bus.on('job:started', (e) => {
    if (!logRun(e.name, 'started')) return;
    log.info(
      {
        job: e.name,
        id: e.id,
        queue: e.queue,
        attempt: e.attempt,
        lagMs: e.scheduledAt ? e.startedAt - e.scheduledAt - (e.jitterMs ?? 0) : undefined,
        jitterMs: e.jitterMs,
      },
      `job ${e.name} started`,
    );
  });
  bus.on('job:completed', (e) => {
    if (!logRun(e.name, 'completed')) return;
    log.info(
      { job: e.name, id: e.id, queue: e.queue, attempt: e.attempt, durationMs: e.durationMs },
      `job ${e.name} completed`,
    );
  });
  bus.on('job:failed', (e) =>
    log.warn(
      {
        job: e.name,
        id: e.id,
        queue: e.queue,
        attempt: e.attempt,
        durationMs: e.durationMs,
        error: e.error,
        willRetry: e.willRetry,
        worker: e.worker,
      },
      `job ${e.name} failed: ${e.error}`,
    ),
  );
  bus.on('job:skipped', (e) =>
    log.info({ job: e.name, id: e.id, queue: e.queue, reason: e.reason }, `job ${e.name} skipped`),
  );
  bus.on('job:duplicate', (e) =>
    log.warn(
      { job: e.name, id: e.id, queue: e.queue },
      `job ${e.name}: a second copy of tick ${e.id} was not run (the tick was taken before a re-sync replaced its schedule)`,
    ),
  );
  bus.on('job:output', (e) => log.info({ job: e.name, id: e.id, stream: e.stream }, e.line));
  bus.on('worker:started', (e) =>
    log.info({ queues: e.queues, concurrency: e.concurrency }, 'worker started'),
  );
  bus.on('worker:stopping', (e) =>
    log.info({ reason: e.reason, active: e.active }, 'worker stopping'),
  );
  bus.on('worker:stopped', (e) => log.info({ reason: e.reason }, 'worker stopped'));
  bus.on('worker:stuck', (e) =>
    log.warn(
      { queue: e.queue, idleMs: e.idleMs },
      'worker idle with jobs due while Redis is up: recreating its consumer',
    ),
  );
  bus.on('worker:spawned', (e) =>
    log.info({ worker: e.pid, slot: e.slot }, 'worker process started'),
  );
  bus.on('worker:blocked', (e) =>
    log.error(
      { worker: e.pid, slot: e.slot, since: new Date(e.since).toISOString(), jobs: e.jobs },
      `worker process ${e.pid} is blocked: its event loop has not answered since ${new Date(e.since).toISOString()}${describeJobs(e.jobs, ' running')}`,
    ),
  );
  bus.on('worker:unblocked', (e) =>
    log.warn(
      { worker: e.pid, slot: e.slot, blockedMs: e.blockedMs },
      `worker process ${e.pid} answers again after ${formatDuration(e.blockedMs)} blocked`,
    ),
  );
  bus.on('worker:killed', (e) =>
    log.error(
      { worker: e.pid, slot: e.slot, reason: e.reason, jobs: e.jobs },
      e.reason === 'blocked'
        ? `killing worker process ${e.pid}:${describeJobs(e.jobs, '')} blocked its event loop past the job's timeout`
        : `killing worker process ${e.pid}: it did not stop within the stop timeout`,
    ),
  );
  bus.on('worker:exited', (e) =>
    (e.reason === 'crash' ? log.error.bind(log) : log.info.bind(log))(
      { worker: e.pid, slot: e.slot, code: e.code, signal: e.signal, reason: e.reason },
      `worker process exited (${e.reason})`,
    ),
  );
  bus.on('daemon:reloading', (e) =>
    log.info(
      { workers: e.workers },
      e.workers > 0
        ? `restarting ${e.workers} worker processes and reloading the definitions`
        : 'reloading the definitions',
    ),
  );
  bus.on('worker:restarting', (e) =>
    log.info({ slot: e.slot, reason: e.reason, delayMs: e.delayMs }, 'restarting worker process'),
  );
  bus.on('schedule:hosts', (e) =>
    log.info({ upserted: e.upserted, removed: e.removed }, 'host schedules changed'),
  );
  bus.on('schedule:synced', (e) =>
    log.info(
      {
        summary: describeSync(e),
        jobs: e.jobs,
        added: e.added.length,
        changed: e.changed.length,
        removed: e.removed.length,
        unchanged: e.unchanged.length,
        durationMs: e.durationMs,
      },
      'schedules synced',
    ),
  );
  bus.on('metrics:listening', (e) => log.info({ url: e.url }, 'metrics listening'));
  bus.on('web:serving', (e) => {
    if (e.access === 'closed') {
      log.warn(
        { url: e.url },
        'the admin page is closed: the address is not loopback and JOBS_WEB_TOKEN is not set (metrics still work)',
      );
    } else log.info({ url: e.url, access: e.access }, 'admin page listening');
  });
  bus.on('queue:pruned', (e) =>
    log.info(
      { queue: e.queue, failed: e.failed, completed: e.completed },
      `pruned ${e.failed} failed and ${e.completed} completed jobs`,
    ),
  );
  bus.on('redis:ready', (e) => log.info({ redis: e.target, version: e.version }, 'redis ready'));
  bus.on('redis:error', (e) => log.error({ redis: e.target, error: e.error }, 'redis unreachable'));
  bus.on('redis:warning', (e) => log.warn(e.message));
  bus.on('redis:reachable', (e) =>
    log.info(
      { redis: e.target, downMs: e.downMs, cause: e.cause },
      `redis reachable again after ${formatDuration(e.downMs)} (it was: ${e.cause})`,
    ),
  );
  bus.on('redis:data-lost', (e) =>
    log.error(
      { redis: e.target },
      `Redis lost its data (${e.marker === 'gone' ? 'the marker key is gone' : 'the marker key was replaced'}): ${
        e.resync
          ? 're-syncing schedules'
          : 'this daemon runs with --no-scheduler; a scheduling daemon re-syncs them'
      }`,
    ),
  );
}
