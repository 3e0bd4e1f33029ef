import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { readRuns, waitForRuns } from '../helpers/fixtures.js';
import { TestHosts } from '../helpers/hosts.js';

const redisUrl = inject('redisUrl');
let hosts: TestHosts | undefined;

afterEach(async () => {
  await hosts?.stopAll();
});

/** Records a run's start and end as two lines, so the test can see runs overlap. */
const SPAN_HANDLER = `
import { appendFileSync } from 'node:fs';
export default async function span(ctx) {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ctx.data.sleepMs));
  appendFileSync(process.env.RUNS_FILE, JSON.stringify({ name: ctx.name, id: ctx.id, attempt: ctx.attempt, at: start, end: Date.now(), pid: process.pid, host: process.env.JOBS_HOST_ID }) + '\\n');
}
`;

interface Span {
  name: string;
  at: number;
  end: number;
}

/** Pairs of runs of `name` whose [start, end] intersect. */
function overlapping(spans: Span[], name: string): number {
  const mine = spans.filter((span) => span.name === name).sort((a, b) => a.at - b.at);
  let count = 0;
  for (let i = 1; i < mine.length; i++)
    if ((mine[i] as Span).at < (mine[i - 1] as Span).end) count++;
  return count;
}

describe('overlap', () => {
  it('forbid skips (and records) ticks while the last run is active on any host; allow runs them side by side', async () => {
    const job = (name: string, overlap: string) =>
      `  ${name}:\n    schedule: "* * * * * *"\n    overlap: ${overlap}\n    module: ./span.js\n    data: { sleepMs: 2500 }\n`;
    const dir = writeProject({
      'jobs.yaml': `jobs:\n${job('forbidden', 'forbid')}${job('allowed', 'allow')}`,
      'span.js': SPAN_HANDLER,
    });
    const prefix = uniquePrefix();
    hosts = new TestHosts({ dir, prefix, redisEnv: { REDIS_URL: redisUrl } });
    const daemons = [hosts.start('host-a', 2), hosts.start('host-b', 2)];
    await Promise.all(daemons.map((d) => d.waitFor((line) => line.msg === 'daemon started')));
    // Spans are written as runs end: three forbidden runs (six or so ticks skipped between
    // them) and two allowed runs side by side.
    await waitForRuns(
      hosts.runsFile,
      (runs) => {
        const spans = runs as unknown as Span[];
        return (
          spans.filter((span) => span.name === 'forbidden').length >= 3 &&
          overlapping(spans, 'allowed') > 0
        );
      },
      { timeoutMs: 30_000, what: 'three forbidden runs and two overlapping allowed ones' },
    );
    await hosts.stopAll();

    const spans = readRuns(hosts.runsFile) as unknown as Span[];
    const forbidden = spans.filter((span) => span.name === 'forbidden');
    expect(forbidden.length).toBeGreaterThanOrEqual(3);
    expect(overlapping(spans, 'forbidden')).toBe(0);
    expect(overlapping(spans, 'allowed')).toBeGreaterThan(0);
    const history = await runCli(['history', 'forbidden', '--json', '--limit', '100'], {
      cwd: dir,
      env: { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, JOBS_CONFIG: path.join(dir, 'jobs.yaml') },
    });
    const records = JSON.parse(history.stdout) as { status: string; detail: string }[];
    const skipped = records.filter((record) => record.status === 'skipped');
    console.log(`overlap: forbid: ${forbidden.length} runs, ${skipped.length} ticks skipped`);
    // A 2.5 s run on a 1 s schedule: about two ticks skipped per run.
    expect(skipped.length).toBeGreaterThanOrEqual(forbidden.length);
    expect(skipped[0]?.detail).toMatch(/still active/);
  }, 90_000);

  it("a crashed run's lock expires, so the job runs again", async () => {
    const dir = writeProject({
      'jobs.yaml': `jobs:\n  long:\n    schedule: "* * * * * *"\n    overlap: forbid\n    module: ./span.js\n    data: { sleepMs: 4000 }\n`,
      'span.js': SPAN_HANDLER,
    });
    const prefix = uniquePrefix();
    hosts = new TestHosts({ dir, prefix, redisEnv: { REDIS_URL: redisUrl } });
    const lost = hosts.start('host-a');
    await lost.waitFor((line) => line.msg === 'job long started');
    await hosts.killHost(lost); // mid-run: the lock is left behind, unreleased
    const client = new (await import('ioredis')).Redis(redisUrl);
    try {
      const lockKey = `${prefix}:meta:running:long`;
      expect(await client.exists(lockKey)).toBe(1);
      const killedAt = Date.now();
      while ((await client.exists(lockKey)) === 1 && Date.now() - killedAt < 30_000)
        await sleep(250);
      const heldMs = Date.now() - killedAt;
      console.log(`the crashed run's lock expired ${heldMs} ms after the kill`);
      expect(await client.exists(lockKey)).toBe(0);
      expect(heldMs).toBeLessThan(20_000);
    } finally {
      client.disconnect();
    }
    const after = hosts.start('host-b');
    await after.waitFor((line) => line.msg === 'job long completed', 40_000);
    expect(readRuns(hosts.runsFile).filter((run) => run.host === 'host-b').length).toBeGreaterThan(
      0,
    );
  }, 90_000);
});
