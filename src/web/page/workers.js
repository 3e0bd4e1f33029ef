// Workers: each host's daemon and worker processes; Restart workers.
import { get, post } from './api.js';
import { h, keyed, badge, ago, table, cell, count } from './dom.js';
import { confirmAction, notify } from './ui.js';

export default {
  path: 'workers',
  title: 'Workers',
  mount(view, _params, ctx) {
    const restart = h('button', { type: 'button', disabled: !ctx.canAct }, 'Restart workers');
    restart.addEventListener('click', async () => {
      const result = await confirmAction('Restart every worker process?', 'Restart workers', () =>
        post('api/restart', {}),
      );
      if (result) {
        notify(
          `Restart requested (generation ${result.generation}): each worker finishes its current runs, then a new one takes over.`,
        );
        ctx.refresh();
      }
    });
    const hosts = h('div', { class: 'hosts' });
    const empty = h(
      'p',
      { class: 'empty', hidden: true },
      'No host has reported in: is a daemon running?',
    );
    view.append(
      h(
        'div',
        { class: 'toolbar' },
        h('h1', null, 'Workers'),
        h('div', { class: 'actions' }, restart),
      ),
      hosts,
      empty,
    );
    return {
      async refresh() {
        const data = await get('api/workers');
        keyed(
          hosts,
          data.hosts,
          (host) => host.host,
          hostSection,
          (host) => JSON.stringify(host.processes.map(stable)),
        );
        empty.hidden = data.hosts.length > 0;
      },
    };
  },
};

/** A process without its ever-growing uptime: its row is redrawn when something else changes. */
function stable(process) {
  const { uptimeMs: _uptime, ...rest } = process;
  return rest;
}

function hostSection(host) {
  const grid = table(['Role', 'PID', 'State', 'Current job', 'Jobs done', 'Started', 'Version']);
  grid.append(h('tbody', null, host.processes.map(processRow)));
  const workers = host.processes.filter((process) => process.role === 'worker').length;
  return h(
    'section',
    { class: 'host-section' },
    h(
      'h2',
      null,
      host.host,
      h(
        'span',
        { class: 'muted small' },
        ` · ${workers} worker ${workers === 1 ? 'process' : 'processes'}`,
      ),
    ),
    h('div', { class: 'table-box' }, grid),
  );
}

function processRow(process) {
  return h(
    'tr',
    { class: process.role === 'daemon' ? 'daemon' : '', 'data-role': process.role },
    cell('Role', process.role),
    cell('PID', h('span', { class: 'number pid' }, String(process.pid))),
    cell('State', process.state ? badge(process.state) : h('span', { class: 'muted' }, '—')),
    cell(
      'Current job',
      process.current?.length
        ? h(
            'ul',
            { class: 'times' },
            process.current.map((run) =>
              h(
                'li',
                null,
                h(
                  'a',
                  { href: `#/logs?job=${encodeURIComponent(run.name)}`, class: 'name' },
                  run.name,
                ),
                ' ',
                h('span', { class: 'muted small' }, 'since '),
                ago(run.since),
              ),
            ),
          )
        : h('span', { class: 'muted' }, '—'),
    ),
    cell('Jobs done', h('span', { class: 'number' }, count.format(process.jobsDone ?? 0))),
    cell('Started', ago(process.startedAt)),
    cell('Version', process.version ?? '—'),
  );
}
