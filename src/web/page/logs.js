// Job logs: runs newest first, by job and status; a click shows a run's detail.
import { get } from './api.js';
import { h, keyed, badge, ago, duration, table, cell } from './dom.js';
import { runDetail } from './run-detail.js';

const LIMIT = 50;
const STATUSES = [
  ['', 'All'],
  ['active', 'Running'],
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['skipped', 'Skipped'],
];
const COLUMNS = ['Status', 'Job', 'Started', 'Duration', 'Attempt', 'Host', 'Summary or error'];

export default {
  path: 'logs',
  title: 'Job logs',
  mount(view, params, ctx) {
    let job = params.job ?? '';
    let status = params.status ?? '';
    /** The cursor of each page shown so far: [null] is the newest page. */
    let cursors = [null];
    let next = null;
    const open = new Map(); // "queue/id" → its detail panel, kept across polls

    const jobInput = h('input', {
      type: 'search',
      id: 'filter-job',
      value: job,
      placeholder: 'any job',
      autocomplete: 'off',
    });
    const statusSelect = h(
      'select',
      { id: 'filter-status' },
      STATUSES.map(([value, label]) => h('option', { value }, label)),
    );
    statusSelect.value = status;
    const applyFilters = () => {
      job = jobInput.value.trim();
      status = statusSelect.value;
      cursors = [null];
      ctx.setParams({ job, status });
      ctx.refresh();
    };
    let debounce = 0;
    jobInput.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(applyFilters, 300);
    });
    statusSelect.addEventListener('change', applyFilters);

    const grid = table(['', ...COLUMNS], 'runs');
    const empty = h('p', { class: 'empty', hidden: true });
    const newer = h('button', { type: 'button', onclick: () => page(-1) }, '← Newer');
    const older = h('button', { type: 'button', onclick: () => page(1) }, 'Older →');
    const page = (direction) => {
      if (direction > 0 && next) cursors.push(next);
      if (direction < 0 && cursors.length > 1) cursors.pop();
      ctx.refresh();
    };
    view.append(
      h(
        'div',
        { class: 'toolbar' },
        h('h1', null, 'Job logs'),
        h('label', { class: 'filter' }, 'Job ', jobInput),
        h('label', { class: 'filter' }, 'Status ', statusSelect),
      ),
      h('div', { class: 'table-box' }, grid),
      empty,
      h('div', { class: 'pager' }, newer, older),
    );

    function toggle(run) {
      const key = `${run.queue}/${run.id}`;
      if (open.has(key)) {
        open.get(key).dispose();
        open.delete(key);
      } else {
        open.set(key, runDetail(run));
      }
      placeAll();
    }

    /** Each open panel under the first row of its run (a retried run has a row per attempt). */
    function placeAll() {
      const placed = new Set();
      for (const item of grid.querySelectorAll('tbody')) {
        const key = item.dataset.run;
        placeDetail(item, placed.has(key) ? null : key);
        placed.add(key);
      }
    }

    function placeDetail(item, key) {
      const panel = open.get(key);
      const current = item.querySelector('.detail-row');
      if (panel ? current?.contains(panel.el) : !current) return; // already right: leave it be
      current?.remove();
      item.querySelector('.toggle')?.setAttribute('aria-expanded', String(Boolean(panel)));
      item.classList.toggle('expanded', Boolean(panel));
      if (panel)
        item.append(
          h('tr', { class: 'detail-row' }, h('td', { colspan: COLUMNS.length + 1 }, panel.el)),
        );
    }

    return {
      async refresh() {
        const data = await get('api/runs', { job, status, limit: LIMIT, before: cursors.at(-1) });
        next = data.next;
        const seen = new Map();
        const runs = data.runs.map((run) => {
          // A retried run shows once per attempt: the key tells them apart.
          const base = `${run.queue}/${run.id}/${run.attempt}/${run.status}`;
          const n = (seen.get(base) ?? 0) + 1;
          seen.set(base, n);
          return { run, key: `${base}/${n}` };
        });
        keyed(
          grid,
          runs,
          (item) => item.key,
          (item) => runItem(item.run),
          (item) => JSON.stringify(item.run),
        );
        placeAll();
        empty.hidden = data.runs.length > 0;
        empty.textContent =
          job || status
            ? 'No runs match these filters (history keeps the last 1,000 runs).'
            : 'No runs yet.';
        newer.disabled = cursors.length === 1;
        older.disabled = !next;
      },
      dispose() {
        clearTimeout(debounce);
        for (const panel of open.values()) panel.dispose();
      },
    };

    function runItem(run) {
      const key = `${run.queue}/${run.id}`;
      const toggleButton = h(
        'button',
        {
          type: 'button',
          class: 'toggle link',
          'aria-expanded': 'false',
          'aria-label': `Details of ${run.name} run ${run.id}`,
        },
        h('span', { 'aria-hidden': 'true' }, '▸'),
      );
      const text = run.detail ?? '';
      const row = h(
        'tr',
        { class: 'clickable' },
        h('td', { class: 'toggle-cell' }, toggleButton),
        cell('Status', badge(run.status)),
        cell(
          'Job',
          h('a', { href: `#/logs?job=${encodeURIComponent(run.name)}`, class: 'name' }, run.name),
        ),
        cell('Started', ago(run.startedAt)),
        cell(
          'Duration',
          run.status === 'active'
            ? h('span', { class: 'muted' }, 'running')
            : duration(run.durationMs),
        ),
        cell('Attempt', String(run.attempt ?? '—')),
        cell('Host', run.host ?? '—'),
        cell(
          'Summary or error',
          h(
            'div',
            { class: `detail ${run.status === 'failed' ? 'bad-text' : ''}`, title: text },
            text,
          ),
        ),
      );
      row.addEventListener('click', (event) => {
        if (
          event.target.closest('a') ||
          (event.target.closest('button') && event.target.closest('button') !== toggleButton)
        )
          return;
        if (window.getSelection()?.toString()) return; // selecting text to copy, not opening
        toggle(run);
      });
      // Each run is its own <tbody>: its row and, when open, its detail row stay together.
      return h('tbody', { 'data-run': key }, row);
    }
  },
};
