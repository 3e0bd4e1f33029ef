// Queues: each queue's counts by state; pause and resume.
import { get, post, segment } from './api.js';
import { h, keyed, badge, ago, table, cell, count } from './dom.js';
import { act } from './ui.js';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'];

export default {
  path: 'queues',
  title: 'Queues',
  mount(view, _params, ctx) {
    const grid = table(['Queue', 'State', ...STATES.map(capitalise), '']);
    const body = h('tbody');
    grid.append(body);
    view.append(
      h('div', { class: 'toolbar' }, h('h1', null, 'Queues')),
      h(
        'p',
        { class: 'muted' },
        'A paused queue keeps its schedules ticking and its runs waiting; workers take none until it is resumed.',
      ),
      h('div', { class: 'table-box' }, grid),
    );

    function queueRow(queue) {
      const button = h(
        'button',
        {
          type: 'button',
          disabled: !ctx.canAct,
          'aria-label': `${queue.paused ? 'Resume' : 'Pause'} ${queue.queue}`,
        },
        queue.paused ? 'Resume' : 'Pause',
      );
      button.addEventListener('click', async () => {
        const action = queue.paused ? 'resume' : 'pause';
        const done = await act(
          button,
          () => post(`api/queues/${segment(queue.queue)}/${action}`, {}),
          `${queue.queue} ${action === 'pause' ? 'paused' : 'resumed'}.`,
        );
        if (done !== undefined) ctx.refresh();
      });
      return h(
        'tr',
        { class: queue.paused ? 'off' : '' },
        cell('Queue', h('span', { class: 'name' }, queue.queue)),
        cell(
          'State',
          queue.paused
            ? [badge('paused'), ' ', queue.pausedSince ? ago(queue.pausedSince) : null]
            : badge('running'),
        ),
        STATES.map((state) =>
          cell(
            capitalise(state),
            h(
              'span',
              { class: `number ${state === 'failed' && queue.failed > 0 ? 'bad-text' : ''}` },
              count.format(queue[state] ?? 0),
            ),
          ),
        ),
        cell('', button),
      );
    }

    return {
      async refresh() {
        const data = await get('api/queues');
        keyed(body, data.queues, (queue) => queue.queue, queueRow);
      },
    };
  },
};

function capitalise(word) {
  return word[0].toUpperCase() + word.slice(1);
}
