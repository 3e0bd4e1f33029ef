// The admin page: session, tabs by the URL's hash (#/jobs, #/logs?job=x), and a poll of
// the shown tab every 2 s that stops while the browser tab is hidden.
import { get, post, setCsrf, url, ApiError } from './api.js';
import { h, fill, refreshTimes } from './dom.js';
import jobs from './jobs.js';
import logs from './logs.js';
import failed from './failed.js';
import queues from './queues.js';
import workers from './workers.js';

const TABS = [jobs, logs, failed, queues, workers];
const POLL_MS = 2000;

const view = document.getElementById('view');
const banner = document.getElementById('banner');
const freshness = document.getElementById('freshness');

const state = { session: null, tab: null, instance: null, generation: 0, timer: 0, freshAt: 0 };

/** The tab and its parameters from the hash: #/logs?job=x&status=failed. */
function route() {
  const [path, query = ''] = window.location.hash.replace(/^#\/?/, '').split('?');
  const tab = TABS.find((candidate) => candidate.path === path) ?? TABS[0];
  return { tab, params: Object.fromEntries(new URLSearchParams(query)) };
}

/** Changes the hash's parameters without re-mounting the tab (a search box keeps focus). */
function setParams(params) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, value]) => value !== '' && value != null),
  );
  const text = query.toString();
  history.replaceState(null, '', `#/${state.tab.path}${text ? `?${text}` : ''}`);
}

function mount() {
  const { tab, params } = route();
  state.instance?.dispose?.();
  state.tab = tab;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.tab === tab.path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${tab.title} · jobs`;
  fill(view);
  state.instance = tab.mount(view, params, {
    canAct: state.session.role === 'admin',
    setParams,
    refresh: refreshNow,
  });
  refreshNow();
}

/** Polls now and every POLL_MS from now: one loop at a time (an older one stops). */
function refreshNow() {
  clearTimeout(state.timer);
  const generation = ++state.generation;
  void poll(generation);
}

async function poll(generation) {
  if (document.visibilityState === 'hidden') {
    freshness.textContent = 'Paused while this tab is hidden';
    return; // resumed by visibilitychange
  }
  try {
    await state.instance.refresh();
    if (generation !== state.generation) return;
    markFresh();
  } catch (error) {
    if (generation !== state.generation) return;
    markStale(error);
  }
  refreshTimes();
  state.timer = setTimeout(() => poll(generation), POLL_MS);
}

const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function markFresh() {
  state.freshAt = Date.now();
  banner.hidden = true;
  freshness.className = 'freshness live';
  freshness.textContent = `Live · updated ${clock.format(state.freshAt)}`;
}

/** Keeps the data shown and says how old it is: an outage should not blank the page. */
function markStale(error) {
  const since = state.freshAt ? `Showing data from ${clock.format(state.freshAt)}. ` : '';
  const what = error instanceof ApiError && error.unavailable ? 'Cannot refresh' : 'Refresh failed';
  fill(
    banner,
    h('strong', null, `${what}: `),
    sentence(error.message),
    ' ',
    since,
    'Retrying every 2 s.',
  );
  banner.hidden = false;
  freshness.className = 'freshness stale';
  freshness.textContent = state.freshAt ? `Stale since ${clock.format(state.freshAt)}` : 'No data';
}

/** An API error as a sentence: it ends with a full stop before the next one starts. */
function sentence(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function renderHeader(session) {
  fill(
    document.getElementById('who'),
    h('span', { class: 'host', title: `jobs-daemon ${session.version ?? ''}` }, session.host ?? ''),
    session.role === 'readonly'
      ? h('span', { class: 'badge warn', title: 'You can look but not act' }, 'read-only')
      : null,
    session.login
      ? h('button', { type: 'button', class: 'link', onclick: logout }, 'Log out')
      : null,
  );
}

async function logout() {
  try {
    await post('logout');
  } finally {
    window.location.assign(url('login'));
  }
}

async function start() {
  try {
    state.session = await get('api/session');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // on its way to the login form
    fill(
      banner,
      h('strong', null, 'Cannot load the page: '),
      error.message,
      ' Retrying every 2 s.',
    );
    banner.hidden = false;
    setTimeout(start, POLL_MS);
    return;
  }
  banner.hidden = true;
  setCsrf(state.session.csrf);
  renderHeader(state.session);
  window.addEventListener('hashchange', mount);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refreshNow();
  });
  setInterval(refreshTimes, 10_000);
  mount();
}

void start();
