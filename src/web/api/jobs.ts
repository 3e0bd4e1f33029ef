import type { Hono } from 'hono';
import { describeSchedule } from '../../definitions/schedule-words.js';
import { META, metaKey } from '../../redis/keys.js';
import type { RunRecord } from '../../runs/records.js';
import { WebRequestError } from '../../errors.js';
import {
  DEFAULT_REASON,
  disableJob,
  disabledState,
  enableJob,
  readJobSwitches,
  type DisabledState,
} from '../../schedule/job-switch.js';
import { nextRunsOf } from '../../schedule/next-runs.js';
import { parseStored, storedDefinitionsKey, type StoredDefinition } from '../../schedule/stored.js';
import type { WebContext } from '../context.js';
import { iso, queryNumber, readJsonObject, type WebEnv } from '../http.js';

/** Next runs shown per job. */
const NEXT_RUNS = 3;

/**
 * GET api/jobs: the synced definitions as `jobs list` reads them, a page at a time. Only
 * the names are read whole (HKEYS: 1,000 short strings); the page's definitions, last
 * runs and next ticks are then read for those names alone.
 */
export function jobRoutes(app: Hono<WebEnv>): void {
  app.post('/api/jobs/:name/disable', async (c) => {
    const web = c.get('web');
    const name = await knownJob(web, c.req.param('name'));
    const body = await readJsonObject(c);
    if (body.reason !== undefined && typeof body.reason !== 'string') {
      throw new WebRequestError(400, 'reason must be a string');
    }
    const reason = (body.reason ?? '').trim().slice(0, MAX_REASON_CHARS) || DEFAULT_REASON;
    await disableJob(web.client, web.prefix, name, { reason, by: `web@${web.settings.hostId}` });
    return c.json((await jobRows(web, [name]))[0]);
  });
  app.post('/api/jobs/:name/enable', async (c) => {
    const web = c.get('web');
    const name = await knownJob(web, c.req.param('name'));
    await readJsonObject(c);
    await enableJob(web.client, web.prefix, name);
    return c.json((await jobRows(web, [name]))[0]);
  });
  app.get('/api/jobs', async (c) => {
    const web = c.get('web');
    const offset = queryNumber(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryNumber(c, 'limit', 100, 1, 1_000);
    const query = (c.req.query('q') ?? '').trim().toLowerCase();
    const names = (await web.client.hkeys(storedDefinitionsKey(web.prefix)))
      .filter((name) => !query || name.toLowerCase().includes(query))
      .sort();
    const page = names.slice(offset, offset + limit);
    return c.json({ total: names.length, jobs: await jobRows(web, page) });
  });
}

/** A reason longer than this is cut: it is shown in a table cell and a log line. */
const MAX_REASON_CHARS = 500;

/** The name of a synced job, or 404. */
async function knownJob(web: WebContext, name: string): Promise<string> {
  if (!(await web.client.hexists(storedDefinitionsKey(web.prefix), name))) {
    throw new WebRequestError(404, `no job named '${name}'`);
  }
  return name;
}

/** The listed jobs, in the order given. */
export async function jobRows(web: WebContext, names: readonly string[]) {
  if (names.length === 0) return [];
  const { client, prefix } = web;
  const [definitionJsons, lastRunJsons, switches] = await Promise.all([
    client.hmget(storedDefinitionsKey(prefix), ...names),
    client.hmget(metaKey(prefix, META.lastRun), ...names),
    // A hash of the disabled jobs only: a handful, whatever the number of definitions.
    readJobSwitches(client, prefix),
  ]);
  const stored = parseStored(
    Object.fromEntries(
      names.flatMap((name, i) => (definitionJsons[i] ? [[name, definitionJsons[i]]] : [])),
    ),
  );
  const definitions = names.flatMap((name) => stored.get(name) ?? []);
  const nextRuns = await Promise.all(
    definitions.map((definition) =>
      definition.enabled ? nextRunsOf(client, prefix, definition, NEXT_RUNS) : [],
    ),
  );
  return definitions.map((definition, index) => {
    const last = parseRun(lastRunJsons[names.indexOf(definition.name)]);
    const disabled = disabledState(definition.enabled, switches.get(definition.name));
    return jobRow(definition, nextRuns[index] ?? [], last, disabled);
  });
}

function jobRow(
  definition: StoredDefinition,
  nextRuns: number[],
  last: RunRecord | undefined,
  disabled: DisabledState,
) {
  return {
    name: definition.name,
    description: definition.description,
    queue: definition.queue,
    schedule: describeSchedule(definition),
    timezone: definition.timezone,
    handler: definition.handler ?? null,
    enabled: disabled === null,
    disabled,
    nextRuns: nextRuns.map((ms) => new Date(ms).toISOString()),
    lastRun: last
      ? {
          id: last.id,
          status: last.status,
          startedAt: iso(last.startedAt),
          durationMs: last.durationMs,
          detail: last.detail,
        }
      : null,
    roles: definition.roles ?? [],
    runOn: definition.runOn,
  };
}

function parseRun(json: string | null | undefined): RunRecord | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as RunRecord;
  } catch {
    return undefined;
  }
}
