// Jobs: every definition, its schedule, next runs, last run, the Enabled switch and Run now.
import { get, post, segment } from './api.js';
import {
  h,
  fill,
  keyed,
  badge,
  ago,
  duration,
  localAndUtc,
  exactTime,
  table,
  cell,
  pager,
  count,
} from './dom.js';
import { ask, act, notify } from './ui.js';

const LIMIT = 100;

export default {
  path: 'jobs',
  title: 'Jobs',
  mount(view, params, ctx) {
    let q = params.q ?? '';
    let offset = Number(params.offset) || 0;
    let debounce = 0;
    const search = h('input', {
      type: 'search',
      class: 'search',
      placeholder: 'Search jobs by name, queue or command',
      'aria-label': 'Search jobs',
      value: q,
      oninput: () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => {
          q = search.value.trim();
          offset = 0;
          ctx.setParams({ q });
          ctx.refresh();
        }, 250);
      },
    });
    const heading = h('h1', null, 'Jobs');
    const grid = table([
      'Job',
      'Schedule',
      `Next runs (${localZone()} · UTC)`,
      'Last run',
      'Enabled',
      '',
    ]);
    const body = h('tbody');
    grid.append(body);
    const empty = h('p', { class: 'empty', hidden: true });
    const paging = h('div');
    view.append(
      h('div', { class: 'toolbar' }, heading, search),
      h('div', { class: 'table-box' }, grid),
      empty,
      paging,
    );
    const toPage = (next) => {
      offset = next;
      ctx.setParams({ q, offset: offset || '' });
      ctx.refresh();
    };
    return {
      async refresh() {
        const data = await get('api/jobs', { q, offset, limit: LIMIT });
        heading.textContent = `Jobs (${count.format(data.total)})`;
        keyed(
          body,
          data.jobs,
          (job) => job.name,
          (job) => jobRow(job, ctx),
        );
        empty.hidden = data.jobs.length > 0;
        empty.textContent = q ? `No job matches “${q}”.` : 'No jobs are defined.';
        fill(paging, pager({ offset, limit: LIMIT, total: data.total, onPage: toPage }));
      },
      dispose() {
        clearTimeout(debounce);
      },
    };
  },
};

function jobRow(job, ctx) {
  return h(
    'tr',
    { class: job.enabled ? '' : 'off' },
    cell(
      'Job',
      h('div', { class: 'name' }, job.name),
      job.description ? h('div', { class: 'small' }, job.description) : null,
      h('div', { class: 'muted small' }, `queue ${job.queue}`),
      job.handler
        ? h(
            'code',
            { class: 'handler small', title: handlerText(job.handler) },
            handlerText(job.handler),
          )
        : null,
    ),
    cell('Schedule', schedule(job)),
    cell('Next runs', nextRuns(job)),
    cell('Last run', lastRun(job)),
    cell('Enabled', enabledSwitch(job, ctx)),
    cell(
      '',
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          { type: 'button', disabled: !ctx.canAct, onclick: () => runNow(job, ctx) },
          'Run now',
        ),
        h('a', { href: `#/logs?job=${encodeURIComponent(job.name)}` }, 'Logs'),
      ),
    ),
  );
}

function schedule(job) {
  const { kind, cron, every, words } = job.schedule;
  const code = kind === 'cron' ? cron : kind === 'every' ? `every ${every}` : null;
  return [
    h('div', null, words || (kind === 'manual' ? 'On demand only' : '')),
    code ? h('code', { class: 'small' }, code) : null,
    kind === 'manual' ? null : h('div', { class: 'muted small' }, job.timezone),
  ];
}

function nextRuns(job) {
  if (!job.enabled) return h('span', { class: 'muted' }, 'none while disabled');
  if (!job.nextRuns?.length) return h('span', { class: 'muted' }, '—');
  return [
    ago(job.nextRuns[0]),
    h(
      'ul',
      { class: 'times small' },
      job.nextRuns.map((iso) => {
        const { local, utc } = localAndUtc(iso);
        return h(
          'li',
          { title: exactTime(iso) },
          local,
          h('span', { class: 'muted' }, ` · ${utc}`),
        );
      }),
    ),
  ];
}

function lastRun(job) {
  const run = job.lastRun;
  if (!run) return h('span', { class: 'muted' }, 'never run');
  return [
    h('div', null, badge(run.status), ' ', ago(run.startedAt)),
    h('div', { class: 'muted small' }, duration(run.durationMs)),
    run.detail
      ? h(
          'div',
          {
            class: `detail small ${run.status === 'failed' ? 'bad-text' : 'muted'}`,
            title: run.detail,
          },
          run.detail,
        )
      : null,
  ];
}

function enabledSwitch(job, ctx) {
  const byFile = job.disabled?.by === 'file';
  const byOperator = job.disabled?.by === 'operator' ? job.disabled : null;
  const button = h(
    'button',
    {
      type: 'button',
      role: 'switch',
      class: 'switch',
      'aria-checked': String(job.enabled),
      'aria-label': `${job.name} enabled`,
      disabled: byFile || !ctx.canAct,
      title: byFile ? 'Disabled in the definitions file: change it there' : undefined,
    },
    h('span', { class: 'track', 'aria-hidden': 'true' }, h('span', { class: 'knob' })),
    h('span', { class: 'switch-text' }, job.enabled ? 'On' : 'Off'),
  );
  button.addEventListener('click', () =>
    job.enabled ? disable(job, ctx) : enable(job, ctx, button),
  );
  const note = byFile
    ? h('div', { class: 'muted small' }, 'Off in the definitions file')
    : byOperator
      ? h(
          'div',
          { class: 'small reason' },
          `Off: ${byOperator.reason || 'no reason given'}`,
          h(
            'span',
            { class: 'muted' },
            ` — ${byOperator.operator ?? 'operator'}, `,
            ago(byOperator.at),
          ),
        )
      : null;
  return [button, note];
}

async function disable(job, ctx) {
  const reason = h('input', {
    id: 'reason',
    type: 'text',
    'aria-required': 'true',
    maxlength: 200,
    autocomplete: 'off',
  });
  const done = await ask({
    title: `Disable ${job.name}`,
    fields: [
      h('label', { for: 'reason' }, 'Reason (shown to everyone who looks)'),
      reason,
      h(
        'p',
        { class: 'hint' },
        'Its schedule keeps ticking; each tick is recorded as skipped until it is enabled again.',
      ),
    ],
    confirm: 'Disable',
    danger: true,
    onSubmit: async () => {
      if (!reason.value.trim()) throw new Error('Say why, so the next person knows.');
      await post(`api/jobs/${segment(job.name)}/disable`, { reason: reason.value.trim() });
    },
  });
  if (done) {
    notify(`${job.name} disabled.`);
    ctx.refresh();
  }
}

async function enable(job, ctx, button) {
  const done = await act(
    button,
    () => post(`api/jobs/${segment(job.name)}/enable`, {}),
    `${job.name} enabled.`,
  );
  if (done !== undefined) ctx.refresh();
}

async function runNow(job, ctx) {
  const payload = h('textarea', {
    id: 'payload',
    rows: 6,
    spellcheck: 'false',
    placeholder: '{ "invoiceId": 42 }',
    'aria-describedby': 'payload-hint',
  });
  const hint = h(
    'p',
    { id: 'payload-hint', class: 'hint' },
    'Optional JSON, handed to the handler as its data.',
  );
  payload.addEventListener('input', () => {
    const problem = jsonProblem(payload.value);
    payload.setAttribute('aria-invalid', String(Boolean(problem)));
    hint.textContent = problem ?? 'Valid JSON.';
    hint.className = problem ? 'hint bad-text' : 'hint';
  });
  const force = job.enabled ? null : h('input', { id: 'force', type: 'checkbox' });
  const result = await ask({
    title: `Run ${job.name} now`,
    fields: [
      h('label', { for: 'payload' }, 'Payload'),
      payload,
      hint,
      force ? h('label', { class: 'check' }, force, ' Run it although the job is disabled') : null,
    ],
    confirm: 'Run now',
    onSubmit: () => {
      const problem = jsonProblem(payload.value);
      if (problem) throw new Error(problem);
      const body = {};
      if (payload.value.trim()) body.data = JSON.parse(payload.value);
      if (force?.checked) body.force = true;
      return post(`api/jobs/${segment(job.name)}/runs`, body);
    },
  });
  if (result && result.id) {
    notify(`${job.name}: run ${result.id} queued.`, {
      link: { href: `#/logs?job=${encodeURIComponent(job.name)}`, text: 'See it in Job logs' },
    });
    ctx.refresh();
  }
}

/** Why the text is not JSON, or null when it is (or is empty: no payload). */
function jsonProblem(text) {
  if (!text.trim()) return null;
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return `Not valid JSON: ${error.message}`;
  }
}

/** A handler as the definitions file says it: the command line, or the module's path. */
function handlerText(handler) {
  if (typeof handler === 'string') return handler;
  if (Array.isArray(handler.command)) return handler.command.join(' ');
  return handler.text ?? handler.command ?? handler.module ?? '';
}

/** The browser's zone, as its short name ("CET") or offset: the zone of "local" times. */
function localZone() {
  const parts = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(
    new Date(),
  );
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? 'local';
}
