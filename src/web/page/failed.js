// Failed: runs that used up their attempts, with error and stack; retry or remove them.
import { get, post } from './api.js';
import { h, fill, keyed, ago, table, cell, pager, pre, count, outputSections } from './dom.js';
import { act, confirmAction, notify } from './ui.js';

const LIMIT = 50;

export default {
  path: 'failed',
  title: 'Failed',
  mount(view, params, ctx) {
    let job = params.job ?? '';
    let offset = 0;
    let total = 0;
    const open = new Set(); // "queue/id" of expanded rows, kept across polls
    const heading = h('h1', null, 'Failed');
    const jobInput = h('input', {
      type: 'search',
      value: job,
      placeholder: 'any job',
      autocomplete: 'off',
    });
    let debounce = 0;
    jobInput.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        job = jobInput.value.trim();
        offset = 0;
        ctx.setParams({ job });
        ctx.refresh();
      }, 300);
    });
    const retryAll = h('button', { type: 'button', disabled: !ctx.canAct }, 'Retry all');
    const removeAll = h(
      'button',
      { type: 'button', class: 'danger', disabled: !ctx.canAct },
      'Remove all',
    );
    retryAll.addEventListener('click', () => everything('retry'));
    removeAll.addEventListener('click', () => everything('remove'));
    const grid = table(['', 'Job', 'Failed', 'Attempts', 'Error', ''], 'failed');
    const empty = h('p', { class: 'empty', hidden: true });
    const paging = h('div');
    view.append(
      h(
        'div',
        { class: 'toolbar' },
        heading,
        h('label', { class: 'filter' }, 'Job ', jobInput),
        h('div', { class: 'actions' }, retryAll, removeAll),
      ),
      h('div', { class: 'table-box' }, grid),
      empty,
      paging,
    );

    async function everything(action) {
      const all = job
        ? `all ${count.format(total)} failed runs of ${job}`
        : `all ${count.format(total)} failed runs`;
      // With a job filter only that job's rows are meant: send their ids, not { all }.
      const body = job ? { ids: await idsOfJob() } : { all: true };
      const result = await confirmAction(
        action === 'retry'
          ? `Retry ${all}?`
          : `Remove ${all}? Their errors and output are deleted.`,
        action === 'retry' ? 'Retry all' : 'Remove all',
        () => post(`api/failed/${action}`, body),
      );
      if (result) {
        notify(
          action === 'retry'
            ? `${count.format(result.retried ?? 0)} runs queued again.`
            : `${count.format(result.removed ?? 0)} runs removed.`,
        );
        ctx.refresh();
      }
    }

    async function idsOfJob() {
      const ids = [];
      for (let from = 0; from < total; from += 500) {
        const page = await get('api/failed', { job, offset: from, limit: 500 });
        ids.push(...page.rows.map((row) => ({ id: row.id, queue: row.queue })));
        if (page.rows.length === 0) break;
      }
      return ids;
    }

    async function one(action, row, button) {
      const result = await act(button, () =>
        post(`api/failed/${action}`, { ids: [{ id: row.id, queue: row.queue }] }),
      );
      if (result) {
        notify(
          action === 'retry'
            ? `${row.name}: run ${row.id} queued again.`
            : `${row.name}: run ${row.id} removed.`,
        );
        ctx.refresh();
      }
    }

    function failedItem(row) {
      const key = `${row.queue}/${row.id}`;
      const expanded = open.has(key);
      const retry = h('button', { type: 'button', disabled: !ctx.canAct }, 'Retry');
      const remove = h(
        'button',
        { type: 'button', class: 'danger', disabled: !ctx.canAct },
        'Remove',
      );
      retry.addEventListener('click', () => one('retry', row, retry));
      remove.addEventListener('click', () => one('remove', row, remove));
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'toggle link',
          'aria-expanded': String(expanded),
          'aria-label': `Stack and output of ${row.name} run ${row.id}`,
        },
        h('span', { 'aria-hidden': 'true' }, '▸'),
      );
      const item = h(
        'tbody',
        { class: expanded ? 'expanded' : '' },
        h(
          'tr',
          { class: 'clickable' },
          h('td', { class: 'toggle-cell' }, toggle),
          cell(
            'Job',
            h(
              'a',
              { class: 'name', href: `#/logs?job=${encodeURIComponent(row.name)}&status=failed` },
              row.name,
            ),
            h('div', { class: 'muted small' }, `run ${row.id}`),
          ),
          cell('Failed', ago(row.failedAt)),
          cell('Attempts', String(row.attempts ?? '—')),
          cell(
            'Error',
            h('div', { class: 'detail bad-text', title: row.error ?? '' }, firstLine(row.error)),
          ),
          cell('', h('div', { class: 'actions' }, retry, remove)),
        ),
        expanded
          ? h(
              'tr',
              { class: 'detail-row' },
              h(
                'td',
                { colspan: 6 },
                h(
                  'div',
                  { class: 'run-detail' },
                  // The stack starts with the error: show the error alone only without one.
                  row.stack?.includes(row.error ?? '')
                    ? null
                    : h('section', null, h('h3', null, 'Error'), pre(row.error ?? '', 'Error')),
                  row.stack
                    ? h('section', null, h('h3', null, 'Stack'), pre(row.stack, 'Stack'))
                    : null,
                  outputSections(row.outputTail, 'Output (last lines kept)'),
                  !row.stack && !row.outputTail
                    ? h('p', { class: 'muted' }, 'No stack or output was kept for this run.')
                    : null,
                ),
              ),
            )
          : null,
      );
      item.firstElementChild.addEventListener('click', (event) => {
        if (
          event.target.closest('a') ||
          (event.target.closest('button') && event.target.closest('button') !== toggle)
        )
          return;
        if (window.getSelection()?.toString()) return;
        if (open.has(key)) open.delete(key);
        else open.add(key);
        const replacement = failedItem(row);
        replacement.dataset.key = item.dataset.key;
        replacement.dataset.signature = signature(row);
        item.replaceWith(replacement);
        replacement.querySelector('.toggle').focus();
      });
      return item;
    }

    function signature(row) {
      return JSON.stringify([row, open.has(`${row.queue}/${row.id}`)]);
    }

    return {
      async refresh() {
        const data = await get('api/failed', { job, offset, limit: LIMIT });
        total = data.total;
        // With a job filter the server scans so many failed runs and stops: then "at least".
        heading.textContent = `Failed (${data.complete === false ? '≥ ' : ''}${count.format(total)})`;
        retryAll.disabled = removeAll.disabled = !ctx.canAct || total === 0;
        keyed(grid, data.rows, (row) => `${row.queue}/${row.id}`, failedItem, signature);
        empty.hidden = data.rows.length > 0;
        empty.textContent = job ? `No failed runs of ${job}.` : 'No failed runs. ✓';
        fill(
          paging,
          pager({
            offset,
            limit: LIMIT,
            total,
            onPage: (next) => ((offset = next), ctx.refresh()),
          }),
        );
      },
      dispose() {
        clearTimeout(debounce);
      },
    };
  },
};

function firstLine(text) {
  return (text ?? '').split('\n')[0];
}
