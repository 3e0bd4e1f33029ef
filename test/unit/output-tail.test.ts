import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OutputLog, type LogBudget } from '../../src/worker/output-log.js';
import { OutputTail } from '../../src/worker/output-tail.js';

const KIB64 = 64 * 1024;

/** Feeds `data` in chunks of the given sizes, cycling through them. */
function feed(target: { push(chunk: Buffer): void }, data: Buffer, sizes: number[]): void {
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length] as number;
    target.push(data.subarray(at, at + size));
    at += size;
  }
}

describe('OutputTail', () => {
  it('keeps exactly the last 64 KiB over chunk boundaries of any size', () => {
    const data = randomBytes(1_000_000);
    for (const sizes of [[1], [7, 65_536, 3], [65_535], [65_537], [100_000, 1], [32_935, 65_536]]) {
      const tail = new OutputTail(KIB64);
      feed(tail, data, sizes);
      expect(tail.bytes().equals(data.subarray(data.length - KIB64)), String(sizes)).toBe(true);
      expect(tail.bytesSeen).toBe(data.length);
    }
  });

  it('keeps all of a short output', () => {
    const tail = new OutputTail(KIB64);
    feed(tail, Buffer.from('one\ntwo\n'), [3]);
    expect(tail.text()).toBe('one\ntwo\n');
    expect(tail.lastLine()).toBe('two');
  });

  it('drops the cut start of a multi-byte character at the boundary, and nothing else', () => {
    // '€' is 3 bytes: after 1 + 3n bytes the last 64 KiB start one byte into a '€'.
    const text = `x${'€'.repeat(30_000)}`;
    const data = Buffer.from(text);
    const tail = new OutputTail(KIB64);
    feed(tail, data, [4_096, 5]);
    expect(tail.bytes().length).toBe(KIB64);
    const kept = tail.text();
    expect(kept).not.toContain('\uFFFD');
    const keptBytes = Buffer.byteLength(kept);
    expect(KIB64 - keptBytes).toBeGreaterThan(0);
    expect(KIB64 - keptBytes).toBeLessThanOrEqual(3);
    expect(data.subarray(data.length - keptBytes).toString('utf8')).toBe(kept);
  });

  it('keeps a 4-byte character whole when the boundary falls before it', () => {
    const data = Buffer.concat([Buffer.from('😀'.repeat(20_000)), Buffer.from('a'.repeat(4))]);
    const tail = new OutputTail(KIB64);
    feed(tail, data, [1_000]);
    expect(tail.text()).toBe(data.subarray(data.length - KIB64).toString('utf8'));
  });
});

describe('OutputLog', () => {
  const budget: LogBudget = { burstBytes: 100, bytesPerSecond: 10 };

  it('logs whole lines, characters whole across chunks, and a last line with no newline', () => {
    const lines: string[] = [];
    const log = new OutputLog((line) => lines.push(line), KIB64);
    const data = Buffer.from('héllo wörld\n\nsecond € line\nno newline');
    feed(log, data, [1, 2]);
    log.end();
    expect(lines).toEqual(['héllo wörld', 'second € line', 'no newline']);
  });

  it('leaves out what exceeds the budget and says so in one line at the end', () => {
    let now = 0;
    const lines: string[] = [];
    const log = new OutputLog(
      (line) => lines.push(line),
      KIB64,
      budget,
      () => now,
    );
    // 9 bytes a line (with its newline): 11 fit in the burst of 100
    for (let i = 0; i < 20; i++) log.push(Buffer.from(`line ${String(i).padStart(3, '0')}\n`));
    now = 1_000; // 10 bytes more: one line
    for (let i = 20; i < 30; i++) log.push(Buffer.from(`line ${String(i).padStart(3, '0')}\n`));
    log.end();
    expect(lines.slice(0, -1)).toEqual([
      ...Array.from({ length: 11 }, (_, i) => `line ${String(i).padStart(3, '0')}`),
      'line 020',
    ]);
    expect(lines.at(-1)).toBe(
      '… 162 bytes of output (18 lines) not logged; the last 64 KiB are kept with the run',
    );
  });

  it('logs a line longer than the whole budget cut to it', () => {
    const lines: string[] = [];
    const log = new OutputLog(
      (line) => lines.push(line),
      KIB64,
      budget,
      () => 0,
    );
    log.push(Buffer.from(`${'y'.repeat(250)}\nnext\n`));
    log.end();
    expect(lines[0]).toBe(`${'y'.repeat(100)} … (151 bytes more)`);
    expect(lines.slice(1)).toEqual([
      '… 5 bytes of output (1 line) not logged; the last 64 KiB are kept with the run',
    ]);
  });

  it('says nothing more when everything was logged', () => {
    const lines: string[] = [];
    const log = new OutputLog((line) => lines.push(line), KIB64);
    log.push(Buffer.from('done\n'));
    log.end();
    expect(lines).toEqual(['done']);
  });
});
