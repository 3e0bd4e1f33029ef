import type { Hono } from 'hono';
import { WebRequestError } from '../../errors.js';
import { pauseQueue, resumeQueue } from '../../queue/pause.js';
import { countQueues } from '../../queue/inspect.js';
import { META, metaKey } from '../../redis/keys.js';
import type { WebContext } from '../context.js';
import { iso, type WebEnv } from '../http.js';

/** GET api/queues, POST api/queues/QUEUE/pause and /resume (the same as `jobs pause/resume --queue`). */
export function queueRoutes(app: Hono<WebEnv>): void {
  app.get('/api/queues', async (c) => {
    const web = c.get('web');
    return c.json({ queues: await queueRows(web, await web.queueNames()) });
  });
  for (const action of ['pause', 'resume'] as const) {
    app.post(`/api/queues/:queue/${action}`, async (c) => {
      const web = c.get('web');
      const name = c.req.param('queue');
      if (!(await web.queueNames()).includes(name)) {
        throw new WebRequestError(404, `no queue named '${name}'`);
      }
      const change = action === 'pause' ? pauseQueue : resumeQueue;
      await change(web.client, web.prefix, await web.queue(name));
      const [row] = await queueRows(web, [name]);
      return c.json(row);
    });
  }
}

async function queueRows(web: WebContext, names: string[]) {
  const [counts, pausedAt] = await Promise.all([
    countQueues(web.client, web.prefix, names),
    web.client.hgetall(metaKey(web.prefix, META.paused)),
  ]);
  return counts.map((row) => ({
    queue: row.queue,
    paused: row.paused,
    pausedSince: row.paused ? iso(Number(pausedAt[row.queue] ?? 0)) : null,
    waiting: row.waiting,
    active: row.active,
    delayed: row.delayed,
    prioritized: row.prioritized,
    failed: row.failed,
    completed: row.completed,
  }));
}
