import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { logFormat } from '../config/environment.js';

export type { Logger };

/**
 * JSON lines on stdout (journald and Supervisor keep them); readable lines when stdout
 * is a terminal. The pretty stream is synchronous, with no worker thread, so a forked
 * worker's lines are not lost when it exits.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  const options = { level, base: { pid: process.pid, ...bindings } };
  if (process.stdout.isTTY && logFormat() !== 'json') {
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
  // One write per turn of the event loop, however many lines it logged: a busy worker
  // does not pay a syscall per line. The write is synchronous, as pino's default: an
  // asynchronous one goes through libuv's thread pool, which cost a worker running one
  // job at a time more than the job itself (bench c=1: 2,500 vs 3,100 jobs/s).
  return pino(
    options,
    new TurnBatchedStream(pino.destination({ dest: 1, sync: true, contentMode: 'buffer' })),
  );
}

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Hands the lines logged in one turn of the event loop to sonic-boom as one Buffer.
 * (Fed strings one by one, sonic-boom measures the byte length of its pending string on
 * every write, which flattens that growing string each time: a busy worker copied
 * kilobytes per line, a third of all it allocated.) Lines still pending at exit are
 * written then, as pino does for its own destinations.
 */
class TurnBatchedStream implements DestinationStream {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly inner: SonicBoom) {
    process.on('exit', () => this.flushSync());
  }

  write(line: string): void {
    this.lines.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drain);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const batch = Buffer.from(this.lines.join(''));
    this.lines = [];
    // In buffer mode sonic-boom takes Buffers (its types say string).
    this.inner.write(batch as unknown as string);
  };

  flush(callback?: (error?: Error) => void): void {
    this.drain();
    this.inner.flush(callback);
  }

  flushSync(): void {
    this.drain();
    try {
      this.inner.flushSync();
    } catch {
      // not open yet, or stdout closed: nothing more can be written at exit
    }
  }
}
