import { readdirSync, readFileSync } from 'node:fs';

/**
 * The daemon forks its workers detached (each in its own process group), and a worker
 * blocked in a handler outlives a daemon that was killed. So the soak notes every
 * descendant of the daemon as it goes (pid plus start time, so a reused pid is never
 * hit) and kills the ones still alive when it cleans up.
 */

interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

export class ProcessTracker {
  private readonly seen = new Map<number, string>();

  constructor(private readonly rootPid: number) {}

  /** Notes the root's live descendants (workers and spares, and anything they forked). */
  sample(): void {
    const children = new Map<number, number[]>();
    for (const stat of allProcesses()) {
      const list = children.get(stat.ppid) ?? [];
      list.push(stat.pid);
      children.set(stat.ppid, list);
    }
    const queue = [...(children.get(this.rootPid) ?? [])];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      const stat = readStat(pid);
      if (stat) this.seen.set(pid, stat.startTime);
      queue.push(...(children.get(pid) ?? []));
    }
  }

  /** The noted processes that still run (same pid, same start time, not a zombie). */
  alive(): number[] {
    return [...this.seen].flatMap(([pid, startTime]) => {
      const stat = readStat(pid);
      return stat && stat.startTime === startTime && stat.state !== 'Z' ? [pid] : [];
    });
  }

  /** SIGKILLs every noted process still alive; returns their pids. */
  killAll(): number[] {
    const killed = this.alive();
    for (const pid of killed) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone in between
      }
    }
    return killed;
  }
}

/** Running and not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}
