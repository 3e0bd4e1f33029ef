import { pino, type DestinationStream, type Logger } from 'pino';
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
  // busy worker does not pay one write syscall per line.
  return pino(
    options,
    new TurnBatchedStream(pino.destination({ dest: 1, sync: false, contentMode: 'buffer' })),
  );
}

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Hands the lines logged in one turn of the event loop to sonic-boom as one Buffer. Fed
 * strings, sonic-boom measures the byte length of its pending string on every write,
 * which flattens that growing string each time: with a write in flight, a busy worker
 * copied kilobytes per line (8 KB a line at 10,000 jobs/s, a third of all it allocated).
 * In buffer mode it only keeps a list. Lines still pending at exit are written
 * synchronously, as pino does for its own destinations.
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
