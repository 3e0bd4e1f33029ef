// Small DOM helpers. Every piece of data reaches the page as a text node or an attribute
// value, never as markup: job names, errors and output are the operator's, not ours.

/** An element: h('td', { class: 'x', onclick: f }, 'text', child). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'disabled') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Updates `container`'s children to one element per item, in order, reusing the element
 * of an item whose key and content are unchanged: a poll every 2 s then leaves alone the
 * row a keyboard user has focused or a reader has expanded.
 */
export function keyed(
  container,
  items,
  keyOf,
  render,
  signatureOf = (item) => JSON.stringify(item),
) {
  const old = new Map();
  for (const child of container.children) if (child.dataset.key) old.set(child.dataset.key, child);
  const next = items.map((item) => {
    const key = keyOf(item);
    const signature = signatureOf(item);
    const existing = old.get(key);
    if (existing && existing.dataset.signature === signature) return existing;
    const el = render(item);
    el.dataset.key = key;
    el.dataset.signature = signature;
    return el;
  });
  const kept = new Set(next);
  for (const el of old.values()) if (!kept.has(el)) el.remove();
  // Children without a key (a table's <thead>) stay first; keyed ones move only when out
  // of place, since moving an element takes the keyboard focus away from it.
  let cursor = firstKeyed(container.firstElementChild);
  for (const el of next) {
    if (el === cursor) cursor = firstKeyed(cursor.nextElementSibling);
    else container.insertBefore(el, cursor);
  }
}

function firstKeyed(el) {
  while (el && !el.dataset.key) el = el.nextElementSibling;
  return el;
}

const STATUS_TEXT = {
  completed: ['✓', 'completed', 'ok'],
  failed: ['✕', 'failed', 'bad'],
  skipped: ['⤼', 'skipped', 'muted'],
  active: ['●', 'running', 'info'],
  waiting: ['○', 'waiting', 'muted'],
  delayed: ['◷', 'delayed', 'muted'],
  prioritized: ['○', 'waiting', 'muted'],
  paused: ['‖', 'paused', 'warn'],
  running: ['▶', 'running', 'ok'],
  idle: ['○', 'idle', 'muted'],
  busy: ['●', 'busy', 'info'],
  blocked: ['⚠', 'blocked', 'bad'],
  stopping: ['◌', 'stopping', 'warn'],
  starting: ['◌', 'starting', 'info'],
};

/** A status as a symbol, a word and a colour: the word alone says it, the colour helps. */
export function badge(status) {
  const [symbol, word, tone] = STATUS_TEXT[status] ?? ['•', String(status ?? 'unknown'), 'muted'];
  return h(
    'span',
    { class: `badge ${tone}` },
    h('span', { 'aria-hidden': 'true' }, symbol),
    ` ${word}`,
  );
}

const UNITS = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

/** "3 min ago", "in 2 h", "just now". */
export function relative(ms, now = Date.now()) {
  const delta = ms - now;
  const size = Math.abs(delta);
  if (size < 5000) return 'just now';
  for (const [unit, unitMs] of UNITS) {
    if (size >= unitMs || unit === 's') {
      const count = Math.floor(size / unitMs);
      const text =
        unit.length > 3 ? `${count} ${unit}${count === 1 ? '' : 's'}` : `${count} ${unit}`;
      return delta < 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return '';
}

const localFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
const timeOnly = { hour: '2-digit', minute: '2-digit' };
const localTime = new Intl.DateTimeFormat(undefined, timeOnly);
const localDayTime = new Intl.DateTimeFormat(undefined, { weekday: 'short', ...timeOnly });
const utcTime = new Intl.DateTimeFormat(undefined, { ...timeOnly, timeZone: 'UTC' });
const utcDayTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  ...timeOnly,
  timeZone: 'UTC',
});
const localDay = new Intl.DateTimeFormat('en-CA');
const utcDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC' });

/** The exact time, in the browser's zone and in UTC, for a title. */
export function exactTime(iso) {
  const date = new Date(iso);
  return `${localFormat.format(date)} (${date.toISOString().replace('T', ' ').slice(0, 19)} UTC)`;
}

/** A <time> saying "3 min ago" (kept current by refreshTimes), the exact time in its title. */
export function ago(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const ms = Date.parse(iso);
  return h('time', { datetime: iso, title: exactTime(iso), 'data-ts': ms }, relative(ms));
}

/**
 * A time in the browser's zone and in UTC, short: "14:00" today, "Fri 14:00" on another
 * day (the title of the element holds the full date).
 */
export function localAndUtc(iso, now = new Date()) {
  const date = new Date(iso);
  return {
    local: (localDay.format(date) === localDay.format(now) ? localTime : localDayTime).format(date),
    utc: `${(utcDay.format(date) === utcDay.format(now) ? utcTime : utcDayTime).format(date)} UTC`,
  };
}

/** Rewrites every relative time on the page; called on a timer so "just now" ages. */
export function refreshTimes() {
  const now = Date.now();
  for (const el of document.querySelectorAll('time[data-ts]')) {
    el.textContent = relative(Number(el.dataset.ts), now);
  }
}

/** 950 ms, 4.2 s, 3 min 5 s, 2 h 10 min. */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const count = new Intl.NumberFormat();

/** A table whose cells carry their column's name, so a phone shows each row as a card. */
export function table(columns, className = '') {
  const head = h(
    'thead',
    null,
    h(
      'tr',
      null,
      columns.map((column) => h('th', { scope: 'col' }, column)),
    ),
  );
  return h('table', { class: `grid ${className}` }, head);
}

export function cell(label, ...children) {
  // One box inside: on a phone the cell is a grid of its label and this box.
  return h('td', { 'data-label': label }, h('div', { class: 'cell' }, ...children));
}

/** Preformatted text (output, stacks) in a box that scrolls instead of widening the page. */
export function pre(text, label) {
  return h('pre', { class: 'output', tabindex: 0, 'aria-label': label }, text);
}

/**
 * A command's kept output as titled boxes: the API gives `{ stdout, stderr }` (or one
 * string); an empty stream gets no box.
 */
export function outputSections(tail, title) {
  if (!tail) return [];
  const streams =
    typeof tail === 'string'
      ? [['', tail]]
      : [
          ['stdout', tail.stdout],
          ['stderr', tail.stderr],
        ];
  return streams
    .filter(([, text]) => text)
    .map(([stream, text]) => {
      const heading = stream ? `${title}: ${stream}` : title;
      return h('section', null, h('h3', null, heading), pre(text, heading));
    });
}

/** "1–50 of 1,000" with previous/next buttons. */
export function pager({ offset, limit, total, onPage }) {
  if (total <= limit && offset === 0)
    return h('div', { class: 'pager muted' }, `${count.format(total)} in all`);
  const last = Math.min(offset + limit, total);
  return h(
    'div',
    { class: 'pager' },
    h(
      'button',
      {
        type: 'button',
        disabled: offset === 0,
        onclick: () => onPage(Math.max(0, offset - limit)),
      },
      '← Previous',
    ),
    h(
      'span',
      null,
      `${count.format(total === 0 ? 0 : offset + 1)}–${count.format(last)} of ${count.format(total)}`,
    ),
    h(
      'button',
      { type: 'button', disabled: last >= total, onclick: () => onPage(offset + limit) },
      'Next →',
    ),
  );
}
