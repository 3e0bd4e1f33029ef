import type { Hono } from 'hono';
import { readHeartbeats, type ProcessBeat } from '../../heartbeat/heartbeat.js';
import { requestRestart } from '../../restart/generation.js';
import { iso, readJsonObject, type WebEnv } from '../http.js';

/** GET api/workers (`jobs status`'s processes, by host) and POST api/restart (`jobs restart`). */
export function workerRoutes(app: Hono<WebEnv>): void {
  app.get('/api/workers', async (c) => {
    const web = c.get('web');
    const now = Date.now();
    const hosts = new Map<string, ReturnType<typeof processRow>[]>();
    for (const beat of await readHeartbeats(web.client, web.prefix)) {
      const processes = hosts.get(beat.host) ?? [];
      processes.push(processRow(beat, now));
      hosts.set(beat.host, processes);
    }
    return c.json({
      hosts: [...hosts].map(([host, processes]) => ({ host, processes })),
    });
  });
  app.post('/api/restart', async (c) => {
    await readJsonObject(c);
    const web = c.get('web');
    return c.json({ generation: await requestRestart(web.client, web.prefix) });
  });
}

function processRow(beat: ProcessBeat, now: number) {
  return {
    id: beat.id,
    role: beat.role,
    pid: beat.pid,
    parentPid: beat.parentPid ?? null,
    version: beat.version,
    startedAt: iso(beat.startedAt),
    uptimeMs: Math.max(0, now - beat.startedAt),
    jobsDone: beat.jobsDone,
    state:
      beat.role === 'worker' ? (beat.state ?? (beat.current.length > 0 ? 'busy' : 'idle')) : null,
    blockedSince: iso(beat.blockedSince),
    queues: beat.queues,
    current: beat.current.map((job) => ({
      id: job.id,
      name: job.name,
      queue: job.queue,
      since: iso(job.since),
    })),
  };
}
