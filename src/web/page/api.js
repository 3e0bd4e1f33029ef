// The page's calls to the daemon's API. URLs are relative to this script's own address,
// so the page works under any base path (JOBS_WEB_BASE_PATH) behind a proxy.

const BASE = new URL('.', import.meta.url);
let csrf = '';

/** An answer that is not 2xx, with the API's own one-sentence `error`. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }

  /** The daemon answered, but could not read its data (Redis down) or was not reached. */
  get unavailable() {
    return this.status === 0 || this.status >= 500;
  }
}

export function url(path) {
  return new URL(path, BASE);
}

export function setCsrf(token) {
  csrf = token;
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(url(path), {
      method,
      credentials: 'same-origin',
      headers:
        method === 'GET'
          ? { Accept: 'application/json' }
          : {
              Accept: 'application/json',
              'Content-Type': 'application/json',
              'X-CSRF-Token': csrf,
            },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The daemon did not answer (is it running?).');
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // A proxy's error page, or an empty 204: no JSON to read.
  }
  if (response.status === 401) {
    // The session ended (or a token was configured meanwhile): log in again.
    window.location.assign(url('login'));
    throw new ApiError(401, 'Not logged in.');
  }
  if (!response.ok) {
    const message =
      payload && typeof payload.error === 'string'
        ? payload.error
        : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return payload;
}

export function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return call('GET', text ? `${path}?${text}` : path);
}

export async function post(path, body = {}) {
  try {
    return await call('POST', path, body);
  } catch (error) {
    // Without a token the CSRF token belongs to the daemon process: after a restart of the
    // daemon the page reads its new one and tries once more.
    if (!(error instanceof ApiError) || error.status !== 403 || !/CSRF/.test(error.message))
      throw error;
    csrf = (await call('GET', 'api/session')).csrf;
    return call('POST', path, body);
  }
}

/** A path segment for a job or queue name (names may hold ':' or '/'). */
export function segment(name) {
  return encodeURIComponent(name);
}
