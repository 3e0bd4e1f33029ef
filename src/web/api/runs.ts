import type { Hono } from 'hono';
import { parseDuration } from '../../definitions/duration.js';
import { JobDisabledError, WebRequestError } from '../../errors.js';
import { readHeartbeats } from '../../heartbeat/heartbeat.js';
import { runNow } from '../../queue/client.js';
import { listPending } from '../../queue/inspect.js';
import { waitForResult } from '../../queue/wait-result.js';
import { historyKey, META, metaKey } from '../../redis/keys.js';
import type { RunRecord } from '../../runs/records.js';
import type { WebContext } from '../context.js';
import { iso, queryNumber, readJsonObject, type WebEnv } from '../http.js';
import { outputOf, readOutputTail } from './output.js';

const STATUSES = ['completed', 'failed', 'skipped', 'active'] as const;
type Status = (typeof STATUSES)[number];
/** History entries read per round trip while filtering by status. */
const HISTORY_CHUNK = 200;
/** The longest `wait` a run request may ask for: an HTTP request is no place for longer. */
const MAX_WAIT_MS = 10 * 60_000;

/**
 * GET api/runs (`jobs history` plus the active runs), GET api/runs/ID (one run, whatever
 * its state, with its live output while active) and POST api/jobs/NAME/runs (run now).
 */
export function runRoutes(app: Hono<WebEnv>): void {
  app.get('/api/runs', async (c) => {
    const web = c.get('web');
    const job = c.req.query('job') || undefined;
    const status = readStatus(c.req.query('status'));
    const limit = queryNumber(c, 'limit', 50, 1, 500);
    const before = c.req.query('before');
    const start = before ? Number(before) : 0;
    if (!Number.isInteger(start) || start < 0) {
      throw new WebRequestError(400, `before '${before}' is not a cursor this server gave`);
    }
    const runs: ReturnType<typeof recordRow>[] = [];
    if (!before && (status === undefined || status === 'active')) {
      runs.push(...(await activeRuns(web, job, limit)));
    }
    let next: number | null = null;
    if (status !== 'active') {
      const found = await readRecords(web, job, status, start, limit - runs.length);
      runs.push(...found.rows);
      next = found.next;
    }
    return c.json({ runs, next: next === null ? null : String(next) });
  });

  app.get('/api/runs/:id', async (c) => {
    const web = c.get('web');
    const id = c.req.param('id');
    const only = c.req.query('queue');
    const queues = only ? [only] : await web.queueNames();
    for (const name of queues) {
      const job = await (await web.queue(name)).getJob(id);
      if (!job) continue;
      const state = await job.getState();
      const tail =
        state === 'completed'
          ? outputOf(job.returnvalue)
          : await readOutputTail(web, name, id, state);
      const finishedAt = job.finishedOn ?? null;
      return c.json({
        id,
        name: job.name,
        queue: name,
        state,
        attempts: job.attemptsMade,
        startedAt: iso(job.processedOn),
        finishedAt: iso(finishedAt),
        durationMs: job.processedOn ? (finishedAt ?? Date.now()) - job.processedOn : null,
        summary: state === 'completed' ? (job.returnvalue ?? null) : null,
        error: job.failedReason || null,
        stack: job.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1] : null,
        outputTail: tail,
        data: job.data ?? null,
      });
    }
    throw new WebRequestError(404, `no run ${id} in ${only ? `queue '${only}'` : 'any queue'}`);
  });

  app.post('/api/jobs/:name/runs', async (c) => {
    const web = c.get('web');
    const name = c.req.param('name');
    const body = await readJsonObject(c);
    const waitMs = readWait(body.wait);
    const client = await web.jobsClient();
    const definition = client.definitions.jobs.get(name);
    if (!definition) throw new WebRequestError(404, `no job named '${name}'`);
    if (!definition.enabled) {
      throw new WebRequestError(409, `job '${name}' is disabled in the definitions file`);
    }
    if (body.force !== undefined && typeof body.force !== 'boolean') {
      throw new WebRequestError(400, 'force must be true or false');
    }
    let enqueued;
    try {
      enqueued = await runNow(client, web.client, name, body.data, { force: body.force === true });
    } catch (error) {
      if (error instanceof JobDisabledError) {
        throw new WebRequestError(409, `${error.message}; send "force": true to run it anyway`);
      }
      throw error;
    }
    const url = `${web.settings.web.basePath}/api/runs/${encodeURIComponent(enqueued.id)}?queue=${encodeURIComponent(enqueued.queue)}`;
    const accepted = { id: enqueued.id, queue: enqueued.queue, name, url };
    if (waitMs === undefined) return c.json(accepted, 202);
    const result = await waitForResult(
      await client.queue(enqueued.queue),
      enqueued.id,
      Date.now() + waitMs,
    );
    if (!result) return c.json({ ...accepted, status: 'active' }, 202);
    return c.json({
      ...accepted,
      status: result.status,
      durationMs: result.durationMs,
      attempts: result.attempts,
      ...(result.status === 'completed'
        ? { summary: result.summary ?? null }
        : { error: result.error }),
    });
  });
}

function readStatus(text: string | undefined): Status | undefined {
  if (!text) return undefined;
  if (!(STATUSES as readonly string[]).includes(text)) {
    throw new WebRequestError(400, `status '${text}' must be one of ${STATUSES.join(', ')}`);
  }
  return text as Status;
}

function readWait(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms > MAX_WAIT_MS) {
    throw new WebRequestError(
      400,
      `wait '${String(value)}' must be a duration up to 10m (e.g. "30s")`,
    );
  }
  return ms;
}

/**
 * Runs from the history lists (newest first), filtered by status, from list index
 * `start`. The cursor is the index to go on from: runs recorded meanwhile push the list
 * down, so a next page may repeat a few runs (the page skips ids it has).
 */
async function readRecords(
  web: WebContext,
  job: string | undefined,
  status: Status | undefined,
  start: number,
  limit: number,
): Promise<{ rows: ReturnType<typeof recordRow>[]; next: number | null }> {
  const key = job ? historyKey(web.prefix, job) : metaKey(web.prefix, META.history);
  const rows: ReturnType<typeof recordRow>[] = [];
  let index = start;
  while (rows.length < limit) {
    const chunk = status ? HISTORY_CHUNK : limit - rows.length;
    const items = await web.client.lrange(key, index, index + chunk - 1);
    for (const [offset, item] of items.entries()) {
      const record = parseRecord(item);
      if (record && (!status || record.status === status)) rows.push(recordRow(record));
      if (rows.length === limit) {
        const next = index + offset + 1;
        return { rows, next: (await web.client.llen(key)) > next ? next : null };
      }
    }
    if (items.length < chunk) return { rows, next: null };
    index += chunk;
  }
  return { rows, next: index };
}

/** Active runs, from BullMQ's active lists, with the host that runs each (from heartbeats). */
async function activeRuns(web: WebContext, job: string | undefined, limit: number) {
  const [pending, beats] = await Promise.all([
    listPending(web.client, web.prefix, await web.queueNames(), limit),
    readHeartbeats(web.client, web.prefix),
  ]);
  const hostOf = new Map<string, string>();
  for (const beat of beats)
    for (const run of beat.current) hostOf.set(`${run.queue}\n${run.id}`, beat.host);
  const now = Date.now();
  return pending
    .filter((row) => row.state === 'active' && (!job || row.name === job))
    .map((row) => ({
      id: row.id,
      name: row.name,
      queue: row.queue,
      status: 'active' as const,
      startedAt: row.since,
      durationMs: row.since ? now - Date.parse(row.since) : 0,
      attempt: row.attempts + 1,
      host: hostOf.get(`${row.queue}\n${row.id}`) ?? null,
      detail: '',
      willRetry: false,
    }));
}

function recordRow(record: RunRecord) {
  return {
    id: record.id,
    name: record.name,
    queue: record.queue,
    status: record.status as Status,
    startedAt: iso(record.startedAt),
    durationMs: record.durationMs,
    attempt: record.attempt,
    host: record.host ?? null,
    detail: record.detail,
    willRetry: record.willRetry ?? false,
  };
}

function parseRecord(json: string): RunRecord | undefined {
  try {
    return JSON.parse(json) as RunRecord;
  } catch {
    return undefined;
  }
}
