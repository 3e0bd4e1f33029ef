import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { SPARE_FORK_DELAY_MS } from '../../src/daemon/pool.js';
import { CliProcess, uniquePrefix, writeProject } from '../helpers/cli.js';
import { RECORDING_HANDLER } from '../helpers/fixtures.js';

const redisUrl = inject('redisUrl');

/** The worker processes (`worker/main.js`) a daemon has forked, running or standing by. */
function workerChildren(daemonPid: number): number {
  const out = execFileSync('ps', ['-o', 'args=', '--ppid', String(daemonPid)], {
    encoding: 'utf8',
  });
  return out.split('\n').filter((line) => line.includes('/worker/main.js ')).length;
}

async function childrenAfterSpareDelay(env: NodeJS.ProcessEnv): Promise<number> {
  const dir = writeProject({
    'jobs.yaml': 'jobs:\n  noop:\n    module: ./record.js\n',
    'record.js': RECORDING_HANDLER,
  });
  const daemon = CliProcess.start(['start', '--workers', '2'], {
    cwd: dir,
    env: { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix(), ...env },
  });
  try {
    await daemon.waitFor((line) => line.msg === 'daemon started');
    await sleep(SPARE_FORK_DELAY_MS + 3_000);
    return workerChildren(daemon.pid);
  } finally {
    expect(await daemon.stop()).toBe(0);
  }
}

describe('the worker pool', () => {
  it('keeps a pre-started spare per worker with JOBS_SPARE_WORKERS=on', async () => {
    expect(await childrenAfterSpareDelay({ JOBS_SPARE_WORKERS: 'on' })).toBe(4);
  });

  it('runs no spares by default', async () => {
    expect(await childrenAfterSpareDelay({})).toBe(2);
  });
});
