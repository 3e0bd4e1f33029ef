import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * JSON lines on stdout (journald and Supervisor keep them); readable lines when stdout
 * is a terminal. The pretty stream is synchronous, with no worker thread, so a forked
 * worker's lines are not lost when it exits.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  const options = { level, base: { pid: process.pid, ...bindings } };
  if (process.stdout.isTTY && process.env.JOBS_LOG_FORMAT !== 'json') {
    return pino(
      options,
      pretty({
        colorize: true,
        sync: true,
        singleLine: true,
        ignore: 'hostname',
        translateTime: 'SYS:HH:MM:ss.l',
      }),
    );
  }
  // Asynchronous writes: lines logged while one write is in flight go out together, so a
  // busy worker does not pay one write syscall per line. pino flushes what is left when
  // the process exits.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
