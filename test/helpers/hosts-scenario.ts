import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniquePrefix, writeProject } from './cli.js';
import { readRuns, RECORDING_HANDLER } from './fixtures.js';
import { TestHosts } from './hosts.js';
import { countTicks, type TickCounts } from './tick-counts.js';

export interface ScenarioOptions {
  redisEnv: NodeJS.ProcessEnv;
  /** Jobs firing every second. */
  jobs: number;
  seconds: number;
}

/** Of the jobs, this share gets an edited schedule (every second → every two) midway. */
const EDITED_SHARE = 0.1;
/** And this share gets edited data (a changed digest, the same schedule). */
const DATA_EDITED_SHARE = 0.25;

/**
 * Three daemons (separate processes, 1, 2 and 1 workers) on one Redis run `jobs` every-
 * second schedules for `seconds`. A quarter in, one daemon is SIGKILLed and restarted a
 * few seconds later; halfway, the file is edited (some schedules, some data) and another
 * daemon is sent SIGHUP, so it re-syncs while the others keep running. Returns the runs
 * counted per (job, tick).
 */
export async function runManyHostsScenario(options: ScenarioOptions): Promise<TickCounts> {
  const names = Array.from({ length: options.jobs }, (_, i) => `job-${String(i).padStart(3, '0')}`);
  const edited = new Set(names.slice(0, Math.max(1, Math.round(options.jobs * EDITED_SHARE))));
  const dataEdited = new Set(
    names.slice(edited.size, edited.size + Math.round(options.jobs * DATA_EDITED_SHARE)),
  );
  const dir = writeProject({
    'jobs.yaml': definitions(names, false),
    'record.js': RECORDING_HANDLER,
  });
  const hosts = new TestHosts({ dir, prefix: uniquePrefix(), redisEnv: options.redisEnv });
  const ms = options.seconds * 1000;
  let editedAt = Number.POSITIVE_INFINITY;
  try {
    const started = Date.now();
    const a = hosts.start('host-a', 1);
    const b = hosts.start('host-b', 2);
    hosts.start('host-c', 1);
    await Promise.all([a, b].map((d) => d.waitFor((line) => line.msg === 'daemon started')));
    await sleep(Math.max(0, started + ms * 0.25 - Date.now()));
    await hosts.crashDaemon(a);
    await sleep(3_000);
    const again = hosts.start('host-a', 1);
    await again.waitFor((line) => line.msg === 'daemon started');
    await sleep(Math.max(0, started + ms * 0.5 - Date.now()));
    writeFileSync(path.join(dir, 'jobs.yaml'), definitions(names, true));
    editedAt = Date.now();
    b.signal('SIGHUP');
    await b.waitFor((line) => line.msg === 'schedules synced' && (line.time as number) >= editedAt);
    await sleep(Math.max(0, started + ms - Date.now()));
  } finally {
    await hosts.stopAll();
  }
  return countTicks(readRuns(hosts.runsFile), (job, tick) =>
    edited.has(job) && tick > editedAt ? 2_000 : 1_000,
  );

  function definitions(jobs: string[], afterEdit: boolean): string {
    const lines = ['jobs:'];
    for (const name of jobs) {
      const pattern = afterEdit && edited.has(name) ? '*/2 * * * * *' : '* * * * * *';
      const data = afterEdit && dataEdited.has(name) ? '{ edited: true }' : '{}';
      lines.push(
        `  ${name}:`,
        `    schedule: "${pattern}"`,
        `    module: ./record.js`,
        `    data: ${data}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
