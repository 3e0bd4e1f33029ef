import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, RECORDING_HANDLER } from '../helpers/fixtures.js';

const redisUrl = inject('redisUrl');
const running: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((daemon) => daemon.stop()));
});

function startDaemon(dir: string, prefix: string, extra: string[] = []): CliProcess {
  const daemon = CliProcess.start(
    ['start', '--config', path.join(dir, 'jobs.yaml'), '--workers', '1', ...extra],
    {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, RUNS_FILE: path.join(dir, 'runs.jsonl') },
    },
  );
  running.push(daemon);
  return daemon;
}

describe('schedules through jobs start', () => {
  it('fires a 6-field cron every second', async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  tick:\n    schedule: "* * * * * *"\n    module: ./record.js\n`,
      'record.js': RECORDING_HANDLER,
    });
    const daemon = startDaemon(dir, uniquePrefix());
    await daemon.waitFor((line) => line.msg === 'daemon started');
    await sleep(5_500);
    expect(await daemon.stop()).toBe(0);
    const runs = readRuns(path.join(dir, 'runs.jsonl'));
    const seconds = runs.map((run) => Number(run.id.split(':').pop()) / 1000);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seconds).size).toBe(runs.length);
    for (const second of seconds) expect(Number.isInteger(second)).toBe(true);
    for (let i = 1; i < seconds.length; i++)
      expect((seconds[i] as number) - (seconds[i - 1] as number)).toBe(1);
  });
});
