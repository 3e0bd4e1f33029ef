import { readFileSync } from 'node:fs';

/** Running, not a zombie waiting to be reaped (an orphan's reaper here may be slow). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
