import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The soak's project directory: a jobs.yaml and its handlers. Every handler appends one
 * JSON line to starts.jsonl as it starts (before any work, so a run that never ends is
 * still counted); the per-second schedule also appends its tick id to ticks.txt. Small
 * appends with O_APPEND are atomic, so the worker processes can share the files.
 */

export type SoakKind = 'short' | 'slow' | 'block' | 'exit' | 'tick';

export interface SoakJob {
  name: string;
  kind: SoakKind;
  attempts: number;
}

/** Each on-demand kind once per attempts value, so the soak can pick attempts per run. */
export const SOAK_JOBS: readonly SoakJob[] = [
  { name: 'tick', kind: 'tick', attempts: 1 },
  ...[1, 2, 3].map((attempts) => ({ name: `short-${attempts}`, kind: 'short' as const, attempts })),
  ...[1, 2, 3].map((attempts) => ({ name: `slow-${attempts}`, kind: 'slow' as const, attempts })),
  ...[1, 2].map((attempts) => ({ name: `block-${attempts}`, kind: 'block' as const, attempts })),
  ...[1, 2].map((attempts) => ({ name: `exit-${attempts}`, kind: 'exit' as const, attempts })),
];

export const TICK_JOB = 'tick';

export function soakJob(name: string): SoakJob | undefined {
  return SOAK_JOBS.find((job) => job.name === name);
}

/** One line of starts.jsonl. */
export interface StartLine {
  id: string;
  name: string;
  attempt: number;
  pid: number;
  time: number;
}

export interface SoakProject {
  dir: string;
  config: string;
  startsFile: string;
  ticksFile: string;
}

const MODULES: Record<SoakKind, string> = {
  tick: './tick.js',
  short: './work.js',
  slow: './work.js',
  block: './block.js',
  exit: './exit.js',
};

function definitions(): string {
  const lines = ['defaults:', '  backoff: 1s', '  timeout: 30s', 'jobs:'];
  for (const job of SOAK_JOBS) {
    lines.push(`  ${job.name}:`, `    module: ${MODULES[job.kind]}`);
    lines.push(`    attempts: ${job.attempts}`);
    if (job.kind === 'tick') lines.push(`    schedule: '* * * * * *'`);
    if (job.kind === 'block') lines.push('    timeout: 3s');
  }
  return lines.join('\n') + '\n';
}

function handlers(startsFile: string, ticksFile: string): Record<string, string> {
  const record = `import { appendFileSync } from 'node:fs';
export function recordStart(ctx) {
  appendFileSync(${JSON.stringify(startsFile)}, JSON.stringify({ id: ctx.id, name: ctx.name, attempt: ctx.attempt, pid: process.pid, time: Date.now() }) + '\\n');
}
`;
  return {
    'record.js': record,
    'tick.js': `import { appendFileSync } from 'node:fs';
import { recordStart } from './record.js';
export default async function tick(ctx) {
  recordStart(ctx);
  appendFileSync(${JSON.stringify(ticksFile)}, ctx.id + '\\n');
  return null;
}
`,
    // data: { ms, failFirst }: sleeps ms, then fails while attempt <= failFirst.
    'work.js': `import { recordStart } from './record.js';
export default async function work(ctx) {
  recordStart(ctx);
  const ms = (ctx.data && ctx.data.ms) || 0;
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (ctx.attempt <= ((ctx.data && ctx.data.failFirst) || 0)) throw new Error('planned failure of attempt ' + ctx.attempt);
  return { ms };
}
`,
    'block.js': `import { recordStart } from './record.js';
export default async function block(ctx) {
  recordStart(ctx);
  for (;;) {}
}
`,
    'exit.js': `import { recordStart } from './record.js';
export default async function exit(ctx) {
  recordStart(ctx);
  process.exit(1);
}
`,
  };
}

export function writeSoakProject(): SoakProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-soak-'));
  const startsFile = path.join(dir, 'starts.jsonl');
  const ticksFile = path.join(dir, 'ticks.txt');
  writeFileSync(startsFile, '');
  writeFileSync(ticksFile, '');
  writeFileSync(path.join(dir, 'jobs.yaml'), definitions());
  for (const [file, text] of Object.entries(handlers(startsFile, ticksFile)))
    writeFileSync(path.join(dir, file), text);
  return { dir, config: path.join(dir, 'jobs.yaml'), startsFile, ticksFile };
}
