import { StringDecoder } from 'node:string_decoder';

/**
 * How much of a command's output reaches the log, per stream and run: lines as they come
 * while a budget lasts, which starts at `burstBytes` and refills at `bytesPerSecond`.
 * A command printing 10 MB made 33 MB of log, a line each, and took 41.6 s instead of
 * 1.6 s when the daemon's stdout was a terminal (the pretty printer writes each line
 * synchronously). The whole output is still read: its last 64 KiB are kept with the run.
 */
export interface LogBudget {
  burstBytes: number;
  bytesPerSecond: number;
}

export const OUTPUT_LOG_BUDGET: LogBudget = Object.freeze({
  burstBytes: 32 * 1024,
  bytesPerSecond: 8 * 1024,
});

/** Splits a stream into lines (UTF-8 characters whole across chunks) and logs them within budget. */
export class OutputLog {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private tokens: number;
  private refilledAt: number;
  private skippedBytes = 0;
  private skippedLines = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    /** What the end-of-run note says is kept ("the last 64 KiB"). */
    private readonly keptBytes: number,
    private readonly budget: LogBudget = OUTPUT_LOG_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = budget.burstBytes;
    this.refilledAt = now();
  }

  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.offer(line);
    // A line with no end in sight is logged by its last part.
    if (this.partial.length > this.keptBytes) this.partial = this.partial.slice(-this.keptBytes);
  }

  /** Logs a last line that had no newline, then one line saying what was left out, if anything. */
  end(): void {
    this.offer(this.partial + this.decoder.end());
    this.partial = '';
    if (this.skippedLines === 0) return;
    const lines = `${this.skippedLines} line${this.skippedLines === 1 ? '' : 's'}`;
    this.onLine(
      `… ${formatBytes(this.skippedBytes)} of output (${lines}) not logged; the last ${formatBytes(this.keptBytes)} are kept with the run`,
    );
  }

  private offer(line: string): void {
    if (!line) return;
    const bytes = Buffer.byteLength(line) + 1;
    const now = this.now();
    const refill = ((now - this.refilledAt) / 1000) * this.budget.bytesPerSecond;
    this.tokens = Math.min(this.budget.burstBytes, this.tokens + refill);
    this.refilledAt = now;
    // A line longer than the whole budget is logged cut to it, when the budget is full.
    const cost = Math.min(bytes, this.budget.burstBytes);
    if (cost <= this.tokens) {
      this.tokens -= cost;
      this.onLine(
        cost < bytes
          ? `${line.slice(0, this.budget.burstBytes)} … (${formatBytes(bytes - cost)} more)`
          : line,
      );
    } else {
      this.skippedBytes += bytes;
      this.skippedLines += 1;
    }
  }
}

/** 10,485,760 → "10.0 MiB", 65,536 → "64 KiB", 900 → "900 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
