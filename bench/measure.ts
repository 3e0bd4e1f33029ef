import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runCli, type RunOptions } from '../test/helpers/cli.js';

/**
 * Timing helpers of the scale benches. The machine is shared: each timing is repeated
 * and its median reported, with the 1-minute load average seen while it ran.
 */

export interface Timing {
  medianMs: number;
  maxMs: number;
  /** The 1-minute load average, the highest seen over the repeats. */
  load: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export function loadAverage(): number {
  return Number((os.loadavg()[0] ?? 0).toFixed(2));
}

/** `repeats` samples of `measure` (each returns ms), as a Timing. */
export async function repeat(repeats: number, measure: () => Promise<number>): Promise<Timing> {
  const samples: number[] = [];
  let load = 0;
  for (let i = 0; i < repeats; i++) {
    samples.push(await measure());
    load = Math.max(load, loadAverage());
  }
  return { medianMs: Math.round(median(samples)), maxMs: Math.round(Math.max(...samples)), load };
}

/** Runs a CLI command to its end and returns its wall time; throws unless it exits 0. */
export async function timeCommand(
  args: string[],
  options: RunOptions,
  check: (stdout: string) => void = () => undefined,
): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await runCli(args, { timeoutMs: 300_000, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.code !== 0)
    throw new Error(`jobs ${args.join(' ')} exited ${result.code}: ${result.stderr.slice(0, 500)}`);
  check(result.stdout);
  return ms;
}

/** Resident and peak resident memory of a process, in MB, from /proc. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** "1.2 s (median of 3, max 1.4 s; load 0.52)" */
export function describeTiming(timing: Timing, repeats: number): string {
  return `${formatMs(timing.medianMs)} (median of ${repeats}, max ${formatMs(timing.maxMs)}; load ${timing.load})`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function verdict(value: number, goal: number): string {
  return value <= goal ? 'met' : 'NOT met';
}
