/** Keeps the last `limit` bytes of a stream and hands each complete line to `onLine`. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private partial = '';

  constructor(
    private readonly limit: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line) this.onLine(line);
    if (this.partial.length > this.limit) this.partial = this.partial.slice(-this.limit);
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }

  lastLine(): string {
    const lines = this.text().trimEnd().split('\n');
    return lines[lines.length - 1] ?? '';
  }
}
