import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { loadDefinitions } from '../../src/definitions/load.js';
import { retentionOf } from '../../src/schedule/job-options.js';
import { syncSchedules } from '../../src/schedule/sync.js';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import {
  readRuns,
  RECORDING_HANDLER,
  tickOf,
  waitForRuns,
  type RunRecord,
} from '../helpers/fixtures.js';
import { countTicks } from '../helpers/tick-counts.js';

const redisUrl = inject('redisUrl');
const running: CliProcess[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(running.splice(0).map((daemon) => daemon.stop()));
});

const EDITS = 3;
/** Every 3 s: a tick's time is a multiple of this (60 s is). */
const EVERY_MS = 3_000;
/**
 * How long before the raced tick the re-syncing process's clock reads when its sync
 * starts. That clock then runs on but stops short of the tick, however long the sync's
 * own work takes on a loaded machine, so its upsert computes the raced tick as its first.
 */
const CLOCK_LEAD_MS = 500;

/**
 * A daemon running `tick` every 3 s (`options` are its definition's other lines, `data`
 * more fields of its data), and
 * another host's re-sync of an edited file racing a tick: its process read its clock
 * just before the tick fell due and reached Redis just after this daemon took the tick (a
 * loaded machine: tens or hundreds of ms between the two). BullMQ then enqueues that tick
 * again, over the taken one. `raced` says when, for each edit, the tick has been taken.
 */
async function raceResyncs(
  { options = '', data = '' }: { options?: string; data?: string },
  raced: (runsFile: string, before: number) => Promise<number>,
): Promise<{ runs: RunRecord[]; copies: number; from: number; to: number }> {
  const definitions = (edit: number) =>
    `jobs:\n  tick:\n    schedule: "*/3 * * * * *"\n    module: ./record.js\n${options}    data: { edit: ${edit}${data} }\n`;
  const dir = writeProject({ 'jobs.yaml': definitions(0), 'record.js': RECORDING_HANDLER });
  const configPath = path.join(dir, 'jobs.yaml');
  const runsFile = path.join(dir, 'runs.jsonl');
  const prefix = uniquePrefix();
  const env = { REDIS_URL: redisUrl, JOBS_PREFIX: prefix };
  const daemon = CliProcess.start(
    ['start', '--config', configPath, '--workers', '1', '--concurrency', '4'],
    { cwd: dir, env: { ...env, RUNS_FILE: runsFile } },
  );
  running.push(daemon);
  await daemon.waitFor((line) => line.msg === 'daemon started');

  const settings = loadSettings({}, env);
  const client = new Redis(redisUrl);
  const ticks: number[] = [];
  try {
    for (let edit = 1; edit <= EDITS; edit++) {
      const tick = await raced(runsFile, readRuns(runsFile).length);
      ticks.push(tick);
      writeFileSync(configPath, definitions(edit));
      const edited = await loadDefinitions(configPath);
      const realNow = Date.now.bind(Date);
      const behind = realNow() - (tick - CLOCK_LEAD_MS);
      vi.spyOn(Date, 'now').mockImplementation(() => Math.min(realNow() - behind, tick - 1));
      await syncSchedules({
        client,
        target: settings.redis,
        prefix,
        definitions: edited,
        retention: retentionOf(settings),
      });
      vi.restoreAllMocks();
    }
    const last = ticks.at(-1) as number;
    await waitForRuns(runsFile, (runs) => runs.some((run) => tickOf(run) > last + EVERY_MS), {
      timeoutMs: 20_000,
      what: 'the runs of the raced ticks and two more',
    });
  } finally {
    client.disconnect();
  }
  expect(await daemon.stop()).toBe(0);
  const copies = daemon.count((line) => line.msg?.includes('a second copy of tick') ?? false);
  return {
    runs: readRuns(runsFile),
    copies,
    from: ticks[0] as number,
    to: (ticks.at(-1) as number) + EVERY_MS,
  };
}

/** The first run of a tick not yet raced: its tick has been taken and its handler started. */
async function firstRunAfter(runsFile: string, before: number): Promise<number> {
  const runs = await waitForRuns(runsFile, (all) => all.length > before, {
    timeoutMs: 10_000,
    what: 'a tick taken',
  });
  return tickOf(runs[before] as RunRecord);
}

/** Each tick from `from` to `to` ran exactly once: none twice, none lost. */
function expectEachTickOnce(runs: RunRecord[], from: number, to: number): void {
  const counts = countTicks(runs, () => EVERY_MS);
  expect(counts.duplicated).toEqual([]);
  const ran = new Set(runs.map(tickOf));
  for (let tick = from; tick <= to; tick += EVERY_MS) expect(ran, `tick ${tick}`).toContain(tick);
}

describe('a re-sync racing a tick', () => {
  it('does not run a second copy of a tick that already ran', async () => {
    const result = await raceResyncs({}, firstRunAfter);
    expectEachTickOnce(result.runs, result.from, result.to);
    // Each edit did enqueue its tick a second time, and that copy was taken and not run.
    expect(result.copies).toBe(EDITS);
  }, 90_000);

  it('does not run a second copy beside a run of the tick still running', async () => {
    // Each run takes 1.5 s: the copy comes while it runs, and a free slot takes it. With
    // one attempt it would fail unstarted (its start looks like a second attempt); with
    // three it would run beside the first, as a retry. (When
    // the run ends, BullMQ finds its lock taken by the copy; the stalled check then hands
    // the job out once more, and that take is refused too: at least one refusal an edit.)
    const result = await raceResyncs(
      { options: '    attempts: 3\n', data: ', sleepMs: 1500' },
      firstRunAfter,
    );
    expectEachTickOnce(result.runs, result.from, result.to);
    expect(result.copies).toBeGreaterThanOrEqual(EDITS);
  }, 90_000);

  it('runs once a tick that was waiting for its jitter when the re-sync came', async () => {
    // Taken at its due time and put back until its jitter (up to 2.5 s) is over: the
    // re-sync's copy lands on that waiting run, which must still run, and once.
    const result = await raceResyncs({ options: '    jitter: 2500ms\n' }, async () => {
      const tick = Math.ceil((Date.now() + 200) / EVERY_MS) * EVERY_MS;
      await sleep(tick + 100 - Date.now());
      return tick;
    });
    expectEachTickOnce(result.runs, result.from, result.to);
  }, 90_000);
});
