import type { Hono } from 'hono';
import { WebRequestError } from '../../errors.js';
import { listFailedPage } from '../../queue/inspect.js';
import { removeAllFailed, removeRuns } from '../../queue/remove.js';
import { retryAll, retryByIds } from '../../queue/retry.js';
import type { WebContext } from '../context.js';
import { queryNumber, readJsonObject, type WebEnv } from '../http.js';
import { readOutputTail } from './output.js';

/** GET api/failed (`jobs failed`, a page at a time) and POST api/failed/retry (`jobs retry`). */
export function failedRoutes(app: Hono<WebEnv>): void {
  removeRoute(app);
  app.get('/api/failed', async (c) => {
    const web = c.get('web');
    const offset = queryNumber(c, 'offset', 0, 0, 10_000_000);
    const limit = queryNumber(c, 'limit', 50, 1, 500);
    const name = c.req.query('job') || undefined;
    const page = await listFailedPage(web.client, web.prefix, await web.queueNames(), {
      offset,
      limit,
      name,
    });
    const tails = await Promise.all(
      page.rows.map((row) => readOutputTail(web, row.queue, row.id, 'failed')),
    );
    return c.json({
      total: page.total,
      complete: page.complete,
      rows: page.rows.map((row, index) => ({
        id: row.id,
        name: row.name,
        queue: row.queue,
        failedAt: row.failedAt,
        attempts: row.attempts,
        error: row.fullError,
        stack: row.stack,
        outputTail: tails[index] ?? null,
      })),
    });
  });
  app.post('/api/failed/retry', async (c) => {
    const web = c.get('web');
    const selection = await readSelection(web, await readJsonObject(c));
    if (selection === 'all') {
      const results = await retryAll(web.client, await web.openQueues(await web.queueNames()));
      return c.json({
        retried: results.reduce((sum, result) => sum + result.retried, 0),
        problems: [],
      });
    }
    let retried = 0;
    const problems: string[] = [];
    for (const [queue, ids] of selection) {
      const result = await retryByIds([await web.queue(queue)], ids);
      retried += result.retried.length;
      problems.push(...result.problems);
    }
    return c.json({ retried, problems });
  });
}

/** POST api/failed/remove (`jobs remove`, `--all-failed`): never an active run. */
function removeRoute(app: Hono<WebEnv>): void {
  app.post('/api/failed/remove', async (c) => {
    const web = c.get('web');
    const selection = await readSelection(web, await readJsonObject(c));
    if (selection === 'all') {
      const removed = await removeAllFailed(web.client, web.prefix, await web.queueNames());
      return c.json({ removed, problems: [] });
    }
    let removed = 0;
    const problems: string[] = [];
    for (const [queue, ids] of selection) {
      const result = await removeRuns(web.client, web.prefix, [queue], ids);
      removed += result.removed.length;
      for (const id of result.active) problems.push(`run ${id} is active: it was not removed`);
      for (const id of result.missing) problems.push(`no run ${id} in queue '${queue}'`);
      for (const id of result.scheduled) {
        problems.push(`run ${id} is a schedule's next tick: disable the job instead`);
      }
    }
    return c.json({ removed, problems });
  });
}

/**
 * `{ all: true }` or `{ ids: [{ id, queue }] }`, each queue one this server knows: the
 * ids grouped by queue. Anything else is a 400 naming what was wrong.
 */
export async function readSelection(
  web: WebContext,
  body: Record<string, unknown>,
): Promise<'all' | Map<string, string[]>> {
  if (body.all === true) return 'all';
  const ids = body.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1_000) {
    throw new WebRequestError(
      400,
      'send { "ids": [{ "id": "…", "queue": "…" }, …] } (1 to 1000) or { "all": true }',
    );
  }
  const known = new Set(await web.queueNames());
  const byQueue = new Map<string, string[]>();
  for (const item of ids as unknown[]) {
    const { id, queue } = (item ?? {}) as { id?: unknown; queue?: unknown };
    if (typeof id !== 'string' || typeof queue !== 'string' || !id || !queue) {
      throw new WebRequestError(400, 'each of ids must be { "id": string, "queue": string }');
    }
    if (!known.has(queue)) throw new WebRequestError(404, `no queue named '${queue}'`);
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), id]);
  }
  return byQueue;
}
