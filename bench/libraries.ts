import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { alternate, ratio, type Medians } from './libraries-measure.js';
import {
  makeSink,
  observations,
  recordAll,
  recordTrial,
  renderTrial,
  samples,
  type Side,
} from './libraries-metrics.js';
import { startUps } from './libraries-load.js';
import { sameWideLayout, tableRows, tableTrial } from './libraries-table.js';
import { spread } from './proc.js';

/**
 * Two pieces written by hand instead of taken from a library, each measured against the
 * library in one run (no Redis):
 * - RunMetrics (src/metrics/run-metrics.ts) against prom-client's Counter and Histogram:
 *   recording runs, a scrape's text, the heap they hold;
 * - src/cli/table.ts against cli-table3: a 1,000-row table, wide characters;
 * - what importing prom-client or cli-table3 adds to a fresh `node`, and loading and
 *   drawing 50 rows either way (what a one-shot `jobs failed` pays).
 * In-process figures are medians of rounds in which the sides take turns going first.
 */

const ROUNDS = 9;
const RECORD_RUNS = 200_000;
const RECORD_JOBS = 50;
const SCRAPE_JOBS = 1_000;
/** Observations per series before a scrape: every bucket line of most series is non-zero. */
const PER_SERIES = 5;
/** Runs between two scrapes of a daemon: with a 15 s scrape interval, few jobs run. */
const BETWEEN_SCRAPES = 10;
const HEAP_ROUNDS = 3;
const START_ROUNDS = 10;

const HEAP_SCRIPT = fileURLToPath(new URL('./libraries-heap.js', import.meta.url));

interface Heap {
  recordedMb: number;
  scrapedMb: number;
}

function childHeap(side: Side): Heap {
  const args = ['--expose-gc', HEAP_SCRIPT, side, String(SCRAPE_JOBS), String(PER_SERIES)];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`heap child failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Heap;
}

function heaps(): { ours: Heap; library: Heap } {
  const runs: Record<Side, Heap[]> = { ours: [], library: [] };
  for (let round = 0; round < HEAP_ROUNDS; round++) {
    for (const side of round % 2 === 0
      ? (['ours', 'library'] as const)
      : (['library', 'ours'] as const))
      runs[side].push(childHeap(side));
  }
  const median = (side: Side): Heap => ({
    recordedMb: spread(runs[side].map((h) => h.recordedMb)).median,
    scrapedMb: spread(runs[side].map((h) => h.scrapedMb)).median,
  });
  return { ours: median('ours'), library: median('library') };
}

/** The two sinks hold the same samples after the same runs: else the figures compare nothing. */
async function sameSamples(runs: ReturnType<typeof observations>): Promise<boolean> {
  const texts = await Promise.all(
    (['ours', 'library'] as const).map(async (side) => {
      const sink = makeSink(side);
      recordAll(sink, runs);
      return samples(await sink.render());
    }),
  );
  const [ours, library] = texts as [string[], string[]];
  return ours.length === library.length && ours.every((line, i) => line === library[i]);
}

const fixed = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

function row(figure: string, ours: number, library: number): void {
  console.log(
    `${figure.padEnd(46)}${fixed(ours).padStart(9)}${fixed(library).padStart(12)}${ratio(ours, library).toFixed(2).padStart(10)}`,
  );
}

const header = (title: string) =>
  console.log(
    `${title.padEnd(46)}${'ours'.padStart(9)}${'library'.padStart(12)}${'ratio'.padStart(10)}`,
  );

const cpuRow = (figure: string, m: Medians) => row(figure, m.ours.cpuMs, m.library.cpuMs);

export async function benchLibraries(): Promise<Record<string, number>> {
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`medians of ${ROUNDS} rounds, sides alternating; load ${load()}`);

  const recordRuns = observations(RECORD_RUNS, RECORD_JOBS);
  const scrapeRuns = observations(SCRAPE_JOBS * 3 * PER_SERIES, SCRAPE_JOBS);
  const between = observations(SCRAPE_JOBS * 3 + BETWEEN_SCRAPES, SCRAPE_JOBS).slice(
    -BETWEEN_SCRAPES,
  );
  const same = await sameSamples(scrapeRuns);

  const record = await alternate(
    ROUNDS,
    recordTrial('ours', recordRuns),
    recordTrial('library', recordRuns),
  );
  const first = await alternate(
    ROUNDS,
    renderTrial('ours', scrapeRuns),
    renderTrial('library', scrapeRuns),
  );
  const next = await alternate(
    ROUNDS,
    renderTrial('ours', scrapeRuns, between),
    renderTrial('library', scrapeRuns, between),
  );
  const heap = heaps();
  const ascii = tableRows(1_000);
  const wide = tableRows(1_000, true);
  const table = await alternate(ROUNDS, tableTrial('ours', ascii), tableTrial('library', ascii));
  const wideTable = await alternate(ROUNDS, tableTrial('ours', wide), tableTrial('library', wide));
  const wideSame = sameWideLayout();
  const starts = startUps(START_ROUNDS);
  const over = (name: keyof typeof starts) => ({
    wallMs: starts[name].wallMs - starts.bare.wallMs,
    cpuMs: starts[name].cpuMs - starts.bare.cpuMs,
  });
  const promLoad = over('promClient');
  const tableLoad = over('cliTable3');
  const oursDraw = over('oursDraw50');
  const libraryDraw = over('cliTable3Draw50');

  header('RunMetrics vs prom-client');
  cpuRow(`record ${RECORD_RUNS.toLocaleString('en')} runs, ${RECORD_JOBS} jobs: CPU ms`, record);
  row('  the same: wall ms', record.ours.wallMs, record.library.wallMs);
  cpuRow(`first scrape, ${SCRAPE_JOBS.toLocaleString('en')} jobs: CPU ms`, first);
  cpuRow(`next scrape, ${BETWEEN_SCRAPES} runs since: CPU ms`, next);
  row(
    `heap, ${SCRAPE_JOBS.toLocaleString('en')} jobs recorded: MB`,
    heap.ours.recordedMb,
    heap.library.recordedMb,
  );
  row('  and scraped once: MB', heap.ours.scrapedMb, heap.library.scrapedMb);
  console.log(`same samples in both scrapes: ${same ? 'yes' : 'NO'}`);
  header('table.ts vs cli-table3');
  cpuRow('1,000 rows × 6, ASCII: CPU ms', table);
  cpuRow('1,000 rows × 6, wide characters: CPU ms', wideTable);
  row('fresh node, load + draw 50 rows: ms', oursDraw.wallMs, libraryDraw.wallMs);
  row('  the same: CPU ms', oursDraw.cpuMs, libraryDraw.cpuMs);
  console.log(`wide characters laid out alike: ${wideSame ? 'yes' : 'NO'}`);
  console.log(
    `import in a fresh node, over node -e (${fixed(starts.bare.wallMs)} ms): prom-client ${fixed(promLoad.wallMs)} ms (CPU ${fixed(promLoad.cpuMs)}), cli-table3 ${fixed(tableLoad.wallMs)} ms (CPU ${fixed(tableLoad.cpuMs)})`,
  );
  console.log(`load after: ${load()}`);

  const ms = (value: number) => Number(value.toFixed(2));
  return {
    'histogram.record.ratio': ratio(record.ours.cpuMs, record.library.cpuMs),
    'histogram.record.wallRatio': ratio(record.ours.wallMs, record.library.wallMs),
    'histogram.record.oursCpuMs': ms(record.ours.cpuMs),
    'histogram.record.promClientCpuMs': ms(record.library.cpuMs),
    'histogram.renderFirst.ratio': ratio(first.ours.cpuMs, first.library.cpuMs),
    'histogram.renderFirst.oursCpuMs': ms(first.ours.cpuMs),
    'histogram.renderFirst.promClientCpuMs': ms(first.library.cpuMs),
    'histogram.render.ratio': ratio(next.ours.cpuMs, next.library.cpuMs),
    'histogram.render.oursCpuMs': ms(next.ours.cpuMs),
    'histogram.render.promClientCpuMs': ms(next.library.cpuMs),
    'histogram.render.sameSamples': same ? 1 : 0,
    'histogram.heap.ratio': ratio(heap.ours.scrapedMb, heap.library.scrapedMb),
    'histogram.heap.oursMb': ms(heap.ours.scrapedMb),
    'histogram.heap.promClientMb': ms(heap.library.scrapedMb),
    'histogram.heapRecorded.ratio': ratio(heap.ours.recordedMb, heap.library.recordedMb),
    'histogram.heapRecorded.oursMb': ms(heap.ours.recordedMb),
    'histogram.heapRecorded.promClientMb': ms(heap.library.recordedMb),
    'table.render.ratio': ratio(table.ours.cpuMs, table.library.cpuMs),
    'table.render.oursCpuMs': ms(table.ours.cpuMs),
    'table.render.cliTable3CpuMs': ms(table.library.cpuMs),
    'table.renderWide.ratio': ratio(wideTable.ours.cpuMs, wideTable.library.cpuMs),
    'table.wideSame': wideSame ? 1 : 0,
    'table.loadDraw50Ms': ms(oursDraw.wallMs),
    'cliTable3.loadDraw50Ms': ms(libraryDraw.wallMs),
    'table.loadDraw50.ratio': ratio(oursDraw.wallMs, libraryDraw.wallMs),
    'node.bareMs': ms(starts.bare.wallMs),
    'promClient.loadMs': ms(promLoad.wallMs),
    'promClient.loadCpuMs': ms(promLoad.cpuMs),
    'cliTable3.loadMs': ms(tableLoad.wallMs),
    'cliTable3.loadCpuMs': ms(tableLoad.cpuMs),
  };
}
