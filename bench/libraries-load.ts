import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { medianSample, type Sample } from './libraries-measure.js';
import { CLI_TABLE3_OPTIONS, HEAD, tableRows } from './libraries-table.js';

/**
 * What a library costs a fresh process: `node -e` importing it (and drawing 50 rows, for
 * the tables) against a `node -e` that imports nothing. Each child prints its own
 * process.cpuUsage() last, which counts from its start: start-up included, our spawn not.
 */

/** The checkout's root, where `node -e` resolves packages (dist-bench/bench/ → ../../). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** src/cli/table.ts as tsc compiled it beside this file: one module, as the CLI loads it. */
const TABLE_MODULE = new URL('../src/cli/table.js', import.meta.url).href;

const ROWS = JSON.stringify(tableRows(50));
const drawCliTable3 = `const { default: Table } = await import('cli-table3');
  const table = new Table({ head: ${JSON.stringify(HEAD)}, ...${JSON.stringify(CLI_TABLE3_OPTIONS)} });
  table.push(...${ROWS});
  globalThis.drawn = table.toString();`;
const drawOurs = `const { renderTable } = await import(${JSON.stringify(TABLE_MODULE)});
  globalThis.drawn = renderTable(${JSON.stringify(HEAD)}, ${ROWS});`;

export const STARTS = {
  bare: '',
  promClient: `await import('prom-client');`,
  cliTable3: `await import('cli-table3');`,
  cliTable3Draw50: drawCliTable3,
  oursDraw50: drawOurs,
} as const;
export type Start = keyof typeof STARTS;

function startUp(body: string): Sample {
  const code = `(async () => { ${body} })().then(() => process.stdout.write(JSON.stringify(process.cpuUsage())));`;
  const started = performance.now();
  const child = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`node -e failed: ${child.stderr}`);
  const { user, system } = JSON.parse(child.stdout) as { user: number; system: number };
  return { cpuMs: (user + system) / 1000, wallMs };
}

/** Median start-up of each, the kinds taking turns round by round. */
export function startUps(rounds: number): Record<Start, Sample> {
  const names = Object.keys(STARTS) as Start[];
  const samples = new Map<Start, Sample[]>(names.map((name) => [name, []]));
  startUp(''); // the first spawn after a while pays for reading node from disk
  for (let round = 0; round < rounds; round++) {
    // Rotate the order, so no kind always follows the same neighbour.
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as Start;
      samples.get(name)?.push(startUp(STARTS[name]));
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, medianSample(samples.get(name) ?? [])]),
  ) as Record<Start, Sample>;
}
