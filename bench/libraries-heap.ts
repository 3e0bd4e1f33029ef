import { makeSink, observations, recordAll, type Side } from './libraries-metrics.js';

/**
 * Child of the `libraries` section, run with --expose-gc: the heap one side's run metrics
 * hold for `jobs` job names, alone in a fresh process. Both sides' modules are loaded
 * before the first reading (libraries-metrics.js imports both), and the runs are made
 * then too, so the figures are the metrics' own data: after recording, and after a first
 * scrape (RunMetrics keeps each histogram's rendered text until its next observation).
 * Prints one JSON line: { recordedMb, scrapedMb }.
 */

const [side, jobsArg, perSeriesArg] = process.argv.slice(2);
const gc = globalThis.gc;
if (!gc) throw new Error('run with --expose-gc');
if (side !== 'ours' && side !== 'library') throw new Error(`unknown side ${side}`);
const jobs = Number(jobsArg);
const runs = observations(jobs * 3 * Number(perSeriesArg), jobs);

const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

/**
 * The scraped text goes out with the response: only what the sink keeps counts. In a
 * function of its own, since a value awaited at the top level stays referenced by the
 * suspended module until the next await.
 */
async function scrape(): Promise<number> {
  const text = await sink.render();
  return text.length;
}

const before = heapMb();
const sink = makeSink(side as Side);
recordAll(sink, runs);
const recordedMb = heapMb() - before;
const bytes = await scrape();
const scrapedMb = heapMb() - before;
// `sink` and `runs` are still referenced here, so neither was collected before the readings.
console.log(JSON.stringify({ recordedMb, scrapedMb, bytes, runs: runs.length, sink: !!sink }));
