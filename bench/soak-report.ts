import { TICK_JOB, type StartLine } from './soak-project.js';

/**
 * The soak's verdict, from what it recorded and what Redis and the side-effect files
 * hold at the end. Pure: it prints a table and one JSON line, and says which checks
 * failed.
 */

/** Ticks come every second: a gap longer than this, with Redis up, is a missed tick. */
export const MAX_TICK_GAP_MS = 5_000;
/** After Redis returns with its data: the daemon retries at most 5 s apart, then resumes. */
export const MAX_RESUME_MS = 15_000;
/** After Redis returns empty: SPEC §2 says noticed "within a few seconds", then a re-sync. */
export const MAX_RESUME_AFTER_EMPTY_MS = 30_000;
/** Rows of a violators' list printed in the table; the JSON line holds them all. */
const LIST_LIMIT = 40;

export interface EnqueuedJob {
  id: string;
  name: string;
  attempts: number;
  at: number;
}

/** Where a job ended: Redis's state, or lost with Redis's data, or gone without a trace. */
export interface Outcome {
  state: string;
  reason?: string;
}

export interface DownWindow {
  from: number;
  to: number;
  empty: boolean;
}

export interface Fault {
  at: number;
  kind: string;
  detail: string;
}

export interface SoakFacts {
  seed: number;
  minutes: number;
  /** Enqueueing began (the daemon was ready) and the daemon was sent SIGTERM. */
  startedAt: number;
  stoppedAt: number;
  jobs: EnqueuedJob[];
  outcomes: Map<string, Outcome>;
  starts: StartLine[];
  ticks: string[];
  windows: DownWindow[];
  faults: Fault[];
  enqueue: { errors: number; unsettled: number; reopened: number };
  drained: boolean;
  workerExits: Record<string, number>;
  workerRestartsMetric: Record<string, number> | undefined;
  daemonExit: { code: number | null; signal: string | null; forced: boolean };
  strays: number[];
}

interface Row {
  name: string;
  attempts: number;
  added: number;
  completed: number;
  failed: number;
  lost: number;
  unfinished: number;
  vanished: number;
  starts: number;
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function printTable(header: string[], rows: (string | number)[][]): void {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => String(row[i] ?? '').length)),
  );
  for (const row of [header, ...rows])
    console.log(row.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('  '));
}

/** The largest tick gap with Redis up, and how long ticks took to resume after each window. */
function tickGaps(facts: SoakFacts, tickTimes: number[]) {
  const points = [facts.startedAt, ...tickTimes.filter((t) => t >= facts.startedAt)];
  points.push(facts.stoppedAt);
  let largest = { ms: 0, from: facts.startedAt };
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as number;
    const b = points[i] as number;
    const overlapping = facts.windows.filter((w) => w.from < b && w.to > a);
    // A gap across a window counts only up to the window's start: the rest is the outage.
    const upTo = overlapping.length > 0 ? Math.max(a, overlapping[0]?.from ?? a) : b;
    if (upTo - a > largest.ms) largest = { ms: upTo - a, from: a };
  }
  const resumes = facts.windows.map((w) => {
    const next = tickTimes.find((t) => t >= w.to);
    const ms = next === undefined ? undefined : next - w.to;
    const limit = w.empty ? MAX_RESUME_AFTER_EMPTY_MS : MAX_RESUME_MS;
    return { back: w.to, empty: w.empty, resumedAfterMs: ms, ok: ms !== undefined && ms <= limit };
  });
  return { largest, resumes };
}

/** Prints the table and the JSON line; returns the names of the failed checks. */
export function report(facts: SoakFacts): string[] {
  const startsById = countBy(facts.starts, (line) => line.id);
  const rows = new Map<string, Row>();
  const violators: {
    id: string;
    name: string;
    starts: number;
    attempts: number;
    state: string;
  }[] = [];
  const reasons = new Map<string, number>();
  for (const job of facts.jobs) {
    const row = rows.get(job.name) ?? {
      name: job.name,
      attempts: job.attempts,
      added: 0,
      completed: 0,
      failed: 0,
      lost: 0,
      unfinished: 0,
      vanished: 0,
      starts: 0,
    };
    rows.set(job.name, row);
    const outcome = facts.outcomes.get(job.id) ?? { state: 'vanished' };
    const starts = startsById.get(job.id) ?? 0;
    row.added++;
    row.starts += starts;
    if (outcome.state === 'completed') row.completed++;
    else if (outcome.state === 'failed') row.failed++;
    else if (outcome.state === 'lost') row.lost++;
    else if (outcome.state === 'vanished') row.vanished++;
    else row.unfinished++;
    if (outcome.state === 'failed' && outcome.reason) {
      const key = `${job.name.replace(/-\d$/, '')}: ${outcome.reason.split('\n')[0]?.slice(0, 90)}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    if (starts > job.attempts)
      violators.push({
        id: job.id,
        name: job.name,
        starts,
        attempts: job.attempts,
        state: outcome.state,
      });
  }

  const tickStarts = facts.starts.filter((line) => line.name === TICK_JOB);
  const tickRuns = countBy(facts.ticks, (id) => id);
  const duplicates = [...tickRuns].filter(([, n]) => n > 1).map(([id, runs]) => ({ id, runs }));
  const { largest, resumes } = tickGaps(
    facts,
    tickStarts.map((line) => line.time).sort((a, b) => a - b),
  );
  const faultCounts = Object.fromEntries(countBy(facts.faults, (f) => f.kind));
  const totals = [...rows.values()].reduce(
    (sum, row) => ({
      added: sum.added + row.added,
      done: sum.done + row.completed + row.failed + row.lost,
      unfinished: sum.unfinished + row.unfinished,
      vanished: sum.vanished + row.vanished,
    }),
    { added: 0, done: 0, unfinished: 0, vanished: 0 },
  );

  const checks: Record<string, boolean> = {
    // Else every other check passes vacuously.
    'jobs were enqueued': totals.added > 0,
    'completed + failed + lost = added': totals.unfinished === 0 && totals.vanished === 0,
    'starts <= attempts': violators.length === 0,
    'each tick ran at most once': duplicates.length === 0,
    [`tick gap <= ${MAX_TICK_GAP_MS / 1000}s with Redis up`]: largest.ms <= MAX_TICK_GAP_MS,
    'ticks resumed after every Redis return': resumes.every((r) => r.ok),
    'daemon exited 0 on SIGTERM': facts.daemonExit.code === 0 && !facts.daemonExit.forced,
    'no process left behind': facts.strays.length === 0,
  };
  const failed = Object.entries(checks)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);

  const at = (t: number) => `+${seconds(t - facts.startedAt).toFixed(1)}s`;
  console.log(`\n== faults (${facts.faults.length}): ${JSON.stringify(faultCounts)}`);
  for (const fault of facts.faults)
    console.log(`${at(fault.at).padStart(8)}  ${fault.kind}  ${fault.detail}`);
  console.log('\n== Redis down');
  for (const w of facts.windows)
    console.log(
      `${at(w.from).padStart(8)} .. ${at(w.to)}  ${w.empty ? 'came back EMPTY' : 'came back with its data'}`,
    );
  console.log('\n== jobs');
  printTable(
    ['JOB', 'ATTEMPTS', 'ADDED', 'COMPLETED', 'FAILED', 'LOST', 'UNFINISHED', 'VANISHED', 'STARTS'],
    [...rows.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => [
        r.name,
        r.attempts,
        r.added,
        r.completed,
        r.failed,
        r.lost,
        r.unfinished,
        r.vanished,
        r.starts,
      ]),
  );
  console.log(
    `tick: ${tickStarts.length} runs of ${tickRuns.size} tick ids; largest gap with Redis up ${seconds(largest.ms)}s at ${at(largest.from)}`,
  );
  for (const r of resumes)
    console.log(
      `  Redis back${r.empty ? ' empty' : ''} at ${at(r.back)}: ticks resumed ${r.resumedAfterMs === undefined ? 'never' : `after ${seconds(r.resumedAfterMs)}s`}`,
    );
  if (reasons.size > 0) {
    console.log('\n== failure reasons');
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]))
      console.log(`${String(n).padStart(5)}  ${reason}`);
  }
  if (violators.length > 0) {
    console.log(`\n== started more often than attempts (${violators.length})`);
    printTable(
      ['ID', 'JOB', 'STARTS', 'ATTEMPTS', 'STATE'],
      violators.slice(0, LIST_LIMIT).map((v) => [v.id, v.name, v.starts, v.attempts, v.state]),
    );
    if (violators.length > LIST_LIMIT) console.log(`… and ${violators.length - LIST_LIMIT} more`);
  }
  if (duplicates.length > 0) {
    console.log(`\n== ticks run more than once (${duplicates.length})`);
    for (const d of duplicates.slice(0, LIST_LIMIT)) console.log(`${d.id}  ${d.runs} runs`);
    if (duplicates.length > LIST_LIMIT) console.log(`… and ${duplicates.length - LIST_LIMIT} more`);
  }
  console.log('\n== workers');
  console.log(
    `exits by reason (daemon log): ${JSON.stringify(facts.workerExits)}; jobs_worker_restarts_total: ${JSON.stringify(facts.workerRestartsMetric ?? 'not scraped')}`,
  );
  console.log(
    `enqueue: ${facts.enqueue.errors} errors, ${facts.enqueue.reopened} client reopens, ${facts.enqueue.unsettled} unsettled; queue drained: ${facts.drained ? 'yes' : 'no (deadline)'}`,
  );
  console.log(
    `daemon exit: code ${facts.daemonExit.code} signal ${facts.daemonExit.signal}${facts.daemonExit.forced ? ' (SIGKILLed past the deadline)' : ''}; processes left behind and killed: ${facts.strays.length ? facts.strays.join(', ') : 'none'}`,
  );
  console.log('\n== checks');
  for (const [name, ok] of Object.entries(checks)) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);

  console.log(
    JSON.stringify({
      seed: facts.seed,
      minutes: facts.minutes,
      faults: faultCounts,
      redisDown: facts.windows.map((w) => ({
        from: new Date(w.from).toISOString(),
        to: new Date(w.to).toISOString(),
        empty: w.empty,
      })),
      jobs: Object.fromEntries([...rows.values()].map(({ name, ...row }) => [name, row])),
      totals,
      overAttempts: violators,
      duplicateTicks: duplicates,
      tickRuns: tickStarts.length,
      tickGapMaxS: seconds(largest.ms),
      tickResumes: resumes.map((r) => ({
        back: new Date(r.back).toISOString(),
        empty: r.empty,
        resumedAfterS: r.resumedAfterMs === undefined ? null : seconds(r.resumedAfterMs),
      })),
      workerExits: facts.workerExits,
      workerRestartsMetric: facts.workerRestartsMetric ?? null,
      enqueue: facts.enqueue,
      drained: facts.drained,
      daemonExit: facts.daemonExit,
      strays: facts.strays,
      failedChecks: failed,
    }),
  );
  return failed;
}
