import type { Context } from 'hono';
import { WebRequestError } from '../errors.js';
import type { Access, Role } from './access.js';
import type { WebContext } from './context.js';

/** What every handler sees on hono's context (set by the access middleware in server.ts). */
export interface WebEnv {
  Variables: {
    web: WebContext;
    access: Access;
    role: Role;
    /** The session the CSRF token is bound to ('local' in open mode). */
    session: string | undefined;
    /** Authenticated with Authorization: Bearer (an API client: no CSRF token needed). */
    bearer: boolean;
  };
}

export type WebRequest = Context<WebEnv>;

/** A JSON body larger than this is refused: the API's bodies are a few ids or a payload. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The request's JSON body as an object; `{}` when empty. 415 for other types, 400 for bad JSON. */
export async function readJsonObject(c: WebRequest): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > BODY_LIMIT_BYTES) {
    throw new WebRequestError(400, `the request body is over ${BODY_LIMIT_BYTES} bytes`);
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WebRequestError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WebRequestError(400, 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A whole-number query parameter in [min, max], or its fallback when absent. */
export function queryNumber(
  c: WebRequest,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WebRequestError(
      400,
      `${name} '${text}' must be a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

export function iso(ms: number | null | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}
