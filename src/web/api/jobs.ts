import type { Hono } from 'hono';
import { describeSchedule } from '../../definitions/schedule-words.js';
import { META, metaKey } from '../../redis/keys.js';
import type { RunRecord } from '../../runs/records.js';
import { nextRunsOf } from '../../schedule/next-runs.js';
import { parseStored, storedDefinitionsKey, type StoredDefinition } from '../../schedule/stored.js';
import type { WebContext } from '../context.js';
import { iso, queryNumber, type WebEnv } from '../http.js';

/** Next runs shown per job. */
const NEXT_RUNS = 3;

/**
 * GET api/jobs: the synced definitions as `jobs list` reads them, a page at a time. Only
 * the names are read whole (HKEYS: 1,000 short strings); the page's definitions, last
 * runs and next ticks are then read for those names alone.
 */
export function jobRoutes(app: Hono<WebEnv>): void {
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

/** The listed jobs, in the order given. */
export async function jobRows(web: WebContext, names: readonly string[]) {
  if (names.length === 0) return [];
  const { client, prefix } = web;
  const [definitionJsons, lastRunJsons] = await Promise.all([
    client.hmget(storedDefinitionsKey(prefix), ...names),
    client.hmget(metaKey(prefix, META.lastRun), ...names),
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
    return jobRow(definition, nextRuns[index] ?? [], last);
  });
}

function jobRow(definition: StoredDefinition, nextRuns: number[], last: RunRecord | undefined) {
  return {
    name: definition.name,
    description: definition.description,
    queue: definition.queue,
    schedule: describeSchedule(definition),
    timezone: definition.timezone,
    handler: definition.handler ?? null,
    enabled: definition.enabled,
    disabled: definition.enabled ? null : { by: 'file' as const },
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
