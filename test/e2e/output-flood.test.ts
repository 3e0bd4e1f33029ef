import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CliProcess, runCli, uniquePrefix, writeProject, type LogLine } from '../helpers/cli.js';
import { FLOOD_SCRIPT, floodText } from '../helpers/flood.js';

/**
 * A command that prints 10 MiB: the run keeps exactly its last 64 KiB, and the log gets
 * a bounded part of it plus one line saying what was left out (docs/commands.md).
 */
const redisUrl = inject('redisUrl');
const prefix = uniquePrefix();
const BYTES = 10 * 1024 * 1024;
const KEPT = 64 * 1024;

let dir: string;
let worker: CliProcess;
const env = () => ({ REDIS_URL: redisUrl, JOBS_PREFIX: prefix });

beforeAll(async () => {
  dir = writeProject({
    'jobs.yaml': `jobs:\n  flood:\n    command: ["node", "flood.js", "${BYTES}"]\n  flood-fails:\n    command: 'node flood.js ${BYTES} >&2; exit 4'\n`,
    'flood.js': FLOOD_SCRIPT,
  });
  worker = CliProcess.start(['work', '--config', 'jobs.yaml'], { cwd: dir, env: env() });
  await worker.waitFor((line) => line.msg === 'worker started');
});

afterAll(async () => {
  expect(await worker.stop()).toBe(0);
});

const outputOf = (id: string) => (line: LogLine) =>
  line.id === id && (line.stream === 'stdout' || line.stream === 'stderr');

describe('a command printing 10 MiB', () => {
  it('keeps exactly the last 64 KiB with the run and logs a bounded part, saying what was left out', async () => {
    const result = await runCli(['run-job', 'flood', '--json', '--config', 'jobs.yaml'], {
      cwd: dir,
      env: env(),
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as {
      id: string;
      durationMs: number;
      summary: { exitCode: number; stdout: string; stderr: string };
    };
    const expected = floodText(BYTES).slice(-KEPT);
    expect(printed.summary.stdout.length).toBe(KEPT);
    expect(printed.summary.stdout === expected, 'the kept tail differs from the last 64 KiB').toBe(
      true,
    );

    const note = await worker.waitFor(
      (line) => outputOf(printed.id)(line) && String(line.msg).startsWith('…'),
    );
    const logged = worker.lines.filter(outputOf(printed.id));
    const loggedBytes = logged.reduce((sum, line) => sum + String(line.msg).length + 1, 0);
    // The budget: 32 KiB at once, then 8 KiB a second of the run.
    const bound = 32 * 1024 + 8 * 1024 * Math.ceil(printed.durationMs / 1000) + 200;
    expect(loggedBytes).toBeLessThanOrEqual(bound);
    expect(logged.length).toBeGreaterThan(100); // the first lines do reach the log
    expect(logged[0]?.msg).toBe(floodText(100).trimEnd());
    const skippedLines = Math.ceil(BYTES / 100) - (logged.length - 1);
    expect(note.msg).toMatch(
      /^… (9\.\d|10\.0) MiB of output \((\d+) lines\) not logged; the last 64 KiB are kept with the run$/,
    );
    expect(String(note.msg)).toContain(`(${skippedLines} lines)`);
    expect(worker.count((line) => outputOf(printed.id)(line) && line.msg === note.msg)).toBe(1);
  });

  it('keeps the last 64 KiB of stderr with a failed run', async () => {
    const result = await runCli(['run-job', 'flood-fails', '--json', '--config', 'jobs.yaml'], {
      cwd: dir,
      env: env(),
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(1);
    const printed = JSON.parse(result.stdout) as { id: string; error: string };
    expect(printed.error).toMatch(/exited with code 4: line 00104857 /);
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    try {
      const { logs } = await queue.getJobLogs(printed.id);
      const kept = JSON.parse(logs[0] ?? '{}') as { stderr: string; stdout: string };
      expect(kept.stdout).toBe('');
      expect(kept.stderr === floodText(BYTES).slice(-KEPT), 'stderr tail differs').toBe(true);
    } finally {
      await queue.close();
    }
  });
});
