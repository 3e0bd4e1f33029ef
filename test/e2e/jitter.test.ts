import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseTickJobId } from '../../src/redis/keys.js';
import { JITTER_SLACK_MS, jitterOffsetMs } from '../../src/worker/jitter.js';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER, tickOf } from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';

const redisUrl = inject('redisUrl');
let hosts: TestHosts | undefined;

afterEach(async () => {
  await hosts?.stopAll();
});

const JITTER_MS = 3_000;
/** How late after its jittered start a run may begin on a loaded two-core machine. */
const START_SLACK_MS = 700;

describe('jitter', () => {
  it('starts each tick once, at its own moment in [tick, tick + jitter), on any of three hosts', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  spread:\n    schedule: "*/4 * * * * *"\n    jitter: 3s\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    hosts = new TestHosts({ dir, prefix: uniquePrefix(), redisEnv: { REDIS_URL: redisUrl } });
    const daemons = [hosts.start('host-a'), hosts.start('host-b'), hosts.start('host-c')];
    await Promise.all(daemons.map((d) => d.waitFor((line) => line.msg === 'daemon started')));
    const from = Date.now();
    const deadline = from + 30_000;
    // Six ticks after all three are up, each given its full jitter window to start.
    const counted = () =>
      readRuns(hosts?.runsFile ?? '').filter((run) => tickOf(run) >= from + 4_000);
    while (Date.now() < deadline && new Set(counted().map(tickOf)).size < 6) await sleep(200);
    await sleep(JITTER_MS + 1_000); // a doubled run of the last tick would show by now
    await hosts.stopAll();

    const runs = counted();
    const ticks = [...new Set(runs.map(tickOf))].sort((a, b) => a - b).slice(0, 6);
    const offsets = ticks.map((tick) => {
      const ran = runs.filter((run) => tickOf(run) === tick);
      expect(ran, `tick ${tick} ran ${ran.length} times`).toHaveLength(1);
      const run = ran[0] as (typeof runs)[number];
      return { offset: run.at - tick, expected: jitterOffsetMs(run.id, JITTER_MS), host: run.host };
    });
    console.log(
      `jitter 3s, start offsets (ms, expected from the tick id): ${offsets
        .map((o) => `${o.offset} (${o.expected}) on ${o.host}`)
        .join(', ')}`,
    );
    expect(ticks).toHaveLength(6);
    // No tick lost between the first and the last counted one.
    expect((ticks.at(-1) as number) - (ticks[0] as number)).toBe(5 * 4_000);
    for (const { offset, expected } of offsets) {
      // A tick taken a few ms before its start runs then (timer slack), never earlier.
      expect(offset).toBeGreaterThanOrEqual(expected - JITTER_SLACK_MS);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(expected + START_SLACK_MS);
      expect(offset).toBeLessThan(JITTER_MS + START_SLACK_MS);
    }
    const spread =
      Math.max(...offsets.map((o) => o.offset)) - Math.min(...offsets.map((o) => o.offset));
    expect(spread).toBeGreaterThan(0);

    // Lag is measured from the jittered start: the log's lagMs leaves the jitter out. The
    // counted ticks only, as above: the first ones come while three daemons still start.
    const started = daemons
      .flatMap((d) => d.lines)
      .filter((line) => line.msg === 'job spread started' && typeof line.jitterMs === 'number')
      .filter((line) => ticks.includes(parseTickJobId(line.id as string)?.tick ?? 0));
    expect(started.length).toBeGreaterThanOrEqual(6);
    for (const line of started) {
      expect(line.jitterMs).toBe(jitterOffsetMs(line.id as string, JITTER_MS));
      expect(line.lagMs as number).toBeLessThan(START_SLACK_MS);
    }
  }, 60_000);

  it('jobs validate rejects a jitter not shorter than the interval, or on an on-demand job', async () => {
    const dir = writeProject({
      'jobs.yaml': [
        'jobs:',
        '  every-job:',
        '    every: 10s',
        '    jitter: 10s',
        '    command: "true"',
        '  cron-job:',
        '    schedule: "0,30 * * * * *"',
        '    jitter: 45s',
        '    command: "true"',
        '  on-demand:',
        '    jitter: 1s',
        '    command: "true"',
        '  fine:',
        '    schedule: "*/5 * * * *"',
        '    jitter: 4m',
        '    command: "true"',
        '',
      ].join('\n'),
    });
    const result = await runCli(['validate', '--config', 'jobs.yaml'], { cwd: dir });
    expect(result.code).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(result.stderr).toContain(
      "jitter '10s' of job 'every-job' at jobs.yaml:4:13: must be less than the interval (10s)",
    );
    expect(result.stderr).toContain(
      "jitter '45s' of job 'cron-job' at jobs.yaml:8:13: must be less than the shortest gap between its ticks (30s)",
    );
    expect(result.stderr).toContain(
      "jitter '1s' of job 'on-demand' at jobs.yaml:11:13: 'jitter' applies to scheduled jobs only",
    );
  });
});
