import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EXIT, RunStoppedError, SyncLockBusyError } from '../../src/errors.js';
import { acquireLock, releaseLock, tryLock } from '../../src/schedule/sync-lock.js';
import { uniquePrefix } from '../helpers/cli.js';

const client = new Redis(inject('redisUrl'));

afterAll(() => client.disconnect());

describe('the schedule sync lock', () => {
  it('gives up on a lock another daemon keeps, with exit 69 and what to do', async () => {
    const key = `${uniquePrefix()}:meta:sync-lock`;
    expect(await tryLock(client, key, 'other-daemon')).toBe(true);
    const started = Date.now();
    const error: unknown = await acquireLock(client, key, 'me', undefined, 300).catch((e) => e);
    expect(error).toBeInstanceOf(SyncLockBusyError);
    expect(error).toMatchObject({
      exitCode: EXIT.unavailable,
      code: 'ELOCKED',
      message: `another daemon has held the schedule sync lock (${key}) for over 300ms and is still changing the schedules; try again once it is done (\`jobs status\` lists the daemons)`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await client.get(key)).toBe('other-daemon');
  });

  it('takes the lock once its holder releases it, and stops waiting on a stop', async () => {
    const key = `${uniquePrefix()}:meta:sync-lock`;
    await tryLock(client, key, 'other-daemon');
    const stop = new AbortController();
    const stopped = acquireLock(client, key, 'me', stop.signal, 5_000);
    stop.abort();
    await expect(stopped).rejects.toThrow(RunStoppedError);
    const taken = acquireLock(client, key, 'me', undefined, 5_000);
    await releaseLock(client, key, 'other-daemon');
    await taken;
    expect(await client.get(key)).toBe('me');
  });
});
