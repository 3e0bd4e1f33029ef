import { writeFileSync } from 'node:fs';
import path from 'node:path';
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
/**
 * How long before the taken tick the re-syncing process's clock reads when its sync
 * starts. That clock then runs on but stops short of the tick, however long the sync's
 * own work takes on a loaded machine, so its upsert computes the taken tick as its first.
 */
const CLOCK_LEAD_MS = 500;

describe('a re-sync racing a tick', () => {
  it('runs a tick once when another host re-syncs its job just after the tick was taken', async () => {
    const definitions = (edit: number) =>
      `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./record.js\n    data: { edit: ${edit} }\n`;
    const dir = writeProject({ 'jobs.yaml': definitions(0), 'record.js': RECORDING_HANDLER });
    const configPath = path.join(dir, 'jobs.yaml');
    const runsFile = path.join(dir, 'runs.jsonl');
    const prefix = uniquePrefix();
    const env = { REDIS_URL: redisUrl, JOBS_PREFIX: prefix };
    const daemon = CliProcess.start(['start', '--config', configPath, '--workers', '1'], {
      cwd: dir,
      env: { ...env, RUNS_FILE: runsFile },
    });
    running.push(daemon);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    // Another host's re-sync of an edited file, whose process read its clock just before
    // a tick fell due and reached Redis just after this daemon took the tick (a loaded
    // machine: tens or hundreds of ms between the two). BullMQ then enqueues that tick again.
    const settings = loadSettings({}, env);
    const client = new Redis(redisUrl);
    try {
      for (let edit = 1; edit <= EDITS; edit++) {
        const before = readRuns(runsFile).length;
        const runs = await waitForRuns(runsFile, (all) => all.length > before, {
          timeoutMs: 10_000,
          what: 'a tick taken',
        });
        const taken = runs[before] as RunRecord;
        writeFileSync(configPath, definitions(edit));
        const edited = await loadDefinitions(configPath);
        const realNow = Date.now.bind(Date);
        const tick = tickOf(taken);
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
      const last = readRuns(runsFile).length;
      await waitForRuns(runsFile, (runs) => runs.length >= last + 2, {
        timeoutMs: 10_000,
        what: 'two more ticks after the last edit',
      });
    } finally {
      client.disconnect();
    }
    expect(await daemon.stop()).toBe(0);

    const counts = countTicks(readRuns(runsFile), () => 1_000);
    expect(counts.duplicated).toEqual([]);
    // Each edit did enqueue its tick a second time, and that copy was taken and not run.
    const copies = daemon.lines.filter((line) => line.msg?.includes('a second copy of tick'));
    expect(copies.length).toBe(EDITS);
  }, 60_000);
});
