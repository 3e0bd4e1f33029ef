import { isForkedWorker } from '../process/ipc.js';
import { describeEvictionPolicy } from './server-check.js';

const EVICTION = /^IMPORTANT! Eviction policy is (\S+)\. It should be "noeviction"/;

/**
 * BullMQ prints `IMPORTANT! Eviction policy is …` with console.warn for every connection
 * it opens (four for a daemon and one worker), and has no option to stop it but
 * `skipVersionCheck`, which would also make it assume the oldest Redis and lose its
 * 1 ms blocking timeouts. So that one text is filtered here, and said once in our words:
 * by the daemon's server check (its log) for `jobs start` and the workers it forks, and
 * once on stderr by any other command. Every other console.warn passes.
 */
export function sayEvictionWarningOnce(command: string | undefined): void {
  const warn = console.warn.bind(console);
  let said = command === 'start' || isForkedWorker();
  console.warn = (...args: unknown[]) => {
    const match = typeof args[0] === 'string' ? EVICTION.exec(args[0]) : null;
    if (!match) return warn(...args);
    if (said) return;
    said = true;
    process.stderr.write(`jobs: ${describeEvictionPolicy(match[1] as string)}\n`);
  };
}
