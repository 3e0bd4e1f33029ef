import { spread } from './proc.js';

/**
 * In-process timing for the `libraries` section: CPU time of this process
 * (process.cpuUsage, user + system) beside wall time, over rounds in which the two sides
 * take turns going first, so that neither always inherits the other's garbage.
 */

export interface Sample {
  cpuMs: number;
  wallMs: number;
}

/** A side's work for one round: sets itself up untimed, and times its core with `timed`. */
export type Trial = () => Promise<Sample>;

export async function timed(work: () => unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs };
}

export interface Medians {
  ours: Sample;
  library: Sample;
}

/** One untimed warm-up each (the daemon runs long: its code is compiled), then `rounds` rounds. */
export async function alternate(rounds: number, ours: Trial, library: Trial): Promise<Medians> {
  await ours();
  await library();
  const runs: { ours: Sample[]; library: Sample[] } = { ours: [], library: [] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      runs.ours.push(await ours());
      runs.library.push(await library());
    } else {
      runs.library.push(await library());
      runs.ours.push(await ours());
    }
  }
  return { ours: medianSample(runs.ours), library: medianSample(runs.library) };
}

export function medianSample(samples: readonly Sample[]): Sample {
  return {
    cpuMs: spread(samples.map((s) => s.cpuMs)).median,
    wallMs: spread(samples.map((s) => s.wallMs)).median,
  };
}

/** Ours over the library's: below 1, ours costs less. */
export const ratio = (ours: number, library: number) => Number((ours / library).toFixed(3));
