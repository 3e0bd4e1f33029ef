import type { ChildProcess } from 'node:child_process';
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

/** Kills a child outright (a lost host, a crashed server) and resolves once it has exited. */
export async function killNow(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * When a process started (ms since the epoch, to 10 ms), from /proc: what code it can have
 * loaded. Measured back from now on the boot clock (/proc/uptime, centiseconds), not from
 * /proc/stat's btime: btime is whole seconds, up to a second off.
 */
export function processStartedAt(pid: number): number {
  const now = Date.now();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]); // field 22 of stat(5), counted after the command
  const uptimeMs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux Node supports
  return now - (uptimeMs - (startTicks * 1000) / ticksPerSecond);
}
