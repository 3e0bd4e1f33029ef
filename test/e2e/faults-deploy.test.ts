import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CLI, CliProcess, runCli, uniquePrefix, writeProject } from '../helpers/cli.js';
import { eventually } from '../helpers/metrics.js';
import { processStartedAt } from '../helpers/process.js';

/**
 * A deploy as an operator makes one: the package's files are replaced on disk (an upgrade
 * of jobs-daemon itself), then one `jobs restart` (or SIGHUP). Every worker process must
 * run the new files afterwards, spares included, and jobs must keep being taken while
 * the old workers finish.
 */
const redisUrl = inject('redisUrl');
const packageRoot = path.resolve(path.dirname(CLI), '..', '..');

/** A copy of the built package, as `npm install -g` would lay it out. */
function installPackage(): { root: string; cli: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'jobs-pkg-'));
  cpSync(path.join(packageRoot, 'package.json'), path.join(root, 'package.json'));
  cpSync(path.join(packageRoot, 'dist'), path.join(root, 'dist'), { recursive: true });
  symlinkSync(path.join(packageRoot, 'node_modules'), path.join(root, 'node_modules'));
  return { root, cli: path.join(root, 'dist', 'cli', 'main.js') };
}

/** "Deploys" a new version: package.json on disk changes; running processes keep theirs. */
function deployVersion(root: string, version: string): void {
  const file = path.join(root, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  writeFileSync(file, JSON.stringify({ ...manifest, version }, null, 2));
}

interface Beat {
  role: string;
  pid: number;
  version: string;
}

const running: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop()));
});

describe('a deploy followed by one restart', () => {
  it('runs the deployed code in every worker, and jobs keep being taken meanwhile', async () => {
    const { root, cli } = installPackage();
    const dir = writeProject({
      'jobs.yaml': 'jobs:\n  work:\n    module: ./work.js\n',
      'work.js': `import { appendFileSync } from 'node:fs';
export default async function run() {
  appendFileSync(process.env.STARTS_FILE, Date.now() + '\\n');
  await new Promise((resolve) => setTimeout(resolve, 20));
}
`,
    });
    const prefix = uniquePrefix();
    const startsFile = path.join(dir, 'starts.txt');
    // Spares on: they were started before the deploy and must not serve the restart.
    const env = { REDIS_URL: redisUrl, JOBS_PREFIX: prefix, STARTS_FILE: startsFile };
    const options = { cli, cwd: dir, env: { ...env, JOBS_SPARE_WORKERS: 'on' } };
    const jobs = (args: string[]) =>
      runCli([...args, '--config', path.join(dir, 'jobs.yaml')], options);
    const workers = async () =>
      (
        JSON.parse((await jobs(['status', '--json'])).stdout) as { processes: Beat[] }
      ).processes.filter((beat) => beat.role === 'worker');

    const daemon = CliProcess.start(['start', '--workers', '2'], options);
    running.push(daemon);
    const before = await eventually('two workers beat', async () => {
      const live = await workers();
      return live.length === 2 ? live : undefined;
    });
    expect(before.map((beat) => beat.version)).toEqual(['0.1.0', '0.1.0']);
    // Let the spares start and load the old code.
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const deployedAt = Date.now();
    deployVersion(root, '9.9.9-deployed');
    const queue = new Queue('default', { connection: { url: redisUrl }, prefix });
    await queue.addBulk(Array.from({ length: 1500 }, () => ({ name: 'work', data: {} })));
    await eventually('jobs are being taken', async () =>
      readStarts(startsFile).length > 50 ? true : undefined,
    );

    const requested = Date.now();
    const restart = await jobs(['restart', '--wait', '30s']);
    expect(restart.code).toBe(0);
    const after = await workers();
    expect(after).toHaveLength(2);
    expect(after.map((beat) => beat.version)).toEqual(['9.9.9-deployed', '9.9.9-deployed']);
    expect(after.some((beat) => before.some((old) => old.pid === beat.pid))).toBe(false);
    // Each worker process started after the deploy: none was started (as a spare) before it.
    for (const beat of after)
      expect(processStartedAt(beat.pid)).toBeGreaterThanOrEqual(deployedAt - 20);

    // No pause in taking jobs: the largest gap between two starts around the restart.
    const starts = readStarts(startsFile).filter((at) => at >= requested - 1_000);
    const window = starts.filter((at) => at <= requested + 5_000);
    const gaps = window.slice(1).map((at, index) => at - (window[index] as number));
    const firstAfter = (starts.find((at) => at >= requested) ?? Infinity) - requested;
    console.log(
      `restart: first job ${firstAfter} ms after the request, largest gap ${Math.max(...gaps)} ms between starts`,
    );
    expect(Math.max(...gaps)).toBeLessThan(1_000);

    // SIGHUP deploys the same way.
    deployVersion(root, '9.9.10-hup');
    daemon.signal('SIGHUP');
    await eventually(
      'every worker runs 9.9.10-hup',
      async () => {
        const live = await workers();
        return live.length === 2 && live.every((beat) => beat.version === '9.9.10-hup')
          ? true
          : undefined;
      },
      30_000,
    );
    await queue.obliterate({ force: true });
    await queue.close();
  });
});

function readStarts(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
