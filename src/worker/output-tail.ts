/**
 * Keeps the last `limit` bytes of a stream, exactly: the chunks that together hold them,
 * the oldest trimmed to the boundary. (Dropping whole chunks instead kept 32,935 bytes of
 * a 13.5 MB output whose last chunk happened to be short.)
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  /** Index of the oldest kept chunk: dropping by index, not shift(), stays cheap for tiny chunks. */
  private head = 0;
  private size = 0;
  private total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.head = 0;
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[this.head] as Buffer).length >= this.limit) {
      this.size -= (this.chunks[this.head++] as Buffer).length;
    }
    if (this.size > this.limit) {
      const first = this.chunks[this.head] as Buffer;
      this.chunks[this.head] = first.subarray(this.size - this.limit);
      this.size = this.limit;
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Every byte pushed, kept or not. */
  get bytesSeen(): number {
    return this.total;
  }

  /** The kept bytes, exactly the last `limit` (or all, when fewer came). */
  bytes(): Buffer {
    return Buffer.concat(this.chunks.slice(this.head), this.size);
  }

  /**
   * The kept bytes as text. When the boundary cuts a UTF-8 character in two, the bytes of
   * its first part (at most 3) are left out, so the text starts with a whole character
   * instead of U+FFFD; ASCII output is kept to the byte.
   */
  text(): string {
    const bytes = this.bytes();
    let start = 0;
    if (this.total > this.size) {
      while (start < 3 && start < bytes.length && isContinuationByte(bytes[start] as number))
        start++;
    }
    return bytes.toString('utf8', start);
  }

  lastLine(): string {
    const lines = this.text().trimEnd().split('\n');
    return lines[lines.length - 1] ?? '';
  }
}

/** 10xxxxxx: the second, third or fourth byte of a UTF-8 character. */
function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}
