// One run's detail under its row: summary or error, stack, output tail and data. While the
// run is active its output follows live (GET api/runs/ID once a second).
import { get, segment } from './api.js';
import { h, fill, badge, ago, duration, pre, outputSections } from './dom.js';

const LIVE_MS = 1000;
const FINISHED = new Set(['completed', 'failed', 'skipped']);

/** A panel that loads itself and polls while its run is active; dispose() stops it. */
export function runDetail(run) {
  const el = h(
    'div',
    { class: 'run-detail', 'aria-live': 'polite' },
    h('p', { class: 'muted' }, 'Loading…'),
  );
  let timer = 0;
  let stopped = false;
  let output = []; // the output boxes shown, to keep their scroll position
  let shown = '';

  async function load() {
    if (stopped) return;
    try {
      const detail = await get(`api/runs/${segment(run.id)}`, { queue: run.queue });
      if (stopped) return;
      // Redraw only what changed: a reader's text selection in the output survives a poll.
      const json = JSON.stringify(detail);
      if (json !== shown) render(detail);
      shown = json;
      const live = !FINISHED.has(detail.state);
      if (live && document.visibilityState !== 'hidden') timer = setTimeout(load, LIVE_MS);
      else if (live) document.addEventListener('visibilitychange', load, { once: true });
    } catch (error) {
      if (stopped) return;
      fill(el, h('p', { class: 'bad-text' }, `Cannot load this run: ${error.message}`));
      timer = setTimeout(load, LIVE_MS * 2);
    }
  }

  function render(detail) {
    const live = !FINISHED.has(detail.state);
    // Keep a reader at the bottom of a growing output, but not one who scrolled up.
    const follow = output.map((box) => box.scrollTop + box.clientHeight >= box.scrollHeight - 8);
    const sections = outputSections(
      detail.outputTail,
      live ? 'Output (live)' : 'Output (last lines kept)',
    );
    fill(
      el,
      h(
        'dl',
        { class: 'facts' },
        fact('State', badge(detail.state)),
        // BullMQ counts the attempts made: a running first attempt has made none yet.
        live
          ? fact('Attempt', String((detail.attempts ?? 0) + 1))
          : fact('Attempts', String(detail.attempts ?? '—')),
        fact('Started', ago(detail.startedAt)),
        fact('Finished', ago(detail.finishedAt)),
        fact('Duration', live ? 'still running' : duration(detail.durationMs)),
        fact('Run id', h('code', null, `${detail.queue} / ${detail.id}`)),
      ),
      detail.summary != null ? section('Summary', pre(text(detail.summary), 'Summary')) : null,
      detail.error ? section('Error', pre(detail.error, 'Error')) : null,
      detail.stack ? section('Stack', pre(detail.stack, 'Stack')) : null,
      sections,
      detail.data != null && Object.keys(detail.data).length > 0
        ? section('Data', pre(JSON.stringify(detail.data, null, 2), 'Data'))
        : null,
    );
    output = sections.map((section) => section.querySelector('pre'));
    output.forEach((box, index) => {
      if (follow[index] ?? true) box.scrollTop = box.scrollHeight;
    });
  }

  void load();
  return {
    el,
    dispose() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', load);
    },
  };
}

function fact(term, value) {
  return h('div', null, h('dt', null, term), h('dd', null, value));
}

function section(title, body) {
  return h('section', null, h('h3', null, title), body);
}

function text(value) {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
