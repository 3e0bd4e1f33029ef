/**
 * A command that floods stdout with a known byte sequence, so that what is kept of it can
 * be compared byte for byte: numbered 100-byte ASCII lines, cut at exactly `bytes`.
 */
const LINE_BYTES = 100;

function floodLine(n: number): string {
  const head = `line ${String(n).padStart(8, '0')} `;
  return (
    head +
    'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(0, LINE_BYTES - 1 - head.length) +
    '\n'
  );
}

/** The first `bytes` bytes of the flood, as the command prints them. */
export function floodText(bytes: number): string {
  const lines: string[] = [];
  for (let n = 0; n * LINE_BYTES < bytes; n++) lines.push(floodLine(n));
  return lines.join('').slice(0, bytes);
}

/** A handler file: `node flood.js BYTES` prints floodText(BYTES) in 64 KiB writes. */
export const FLOOD_SCRIPT = `
const bytes = Number(process.argv[2]);
${floodLine.toString()}
const LINE_BYTES = ${LINE_BYTES};
let text = '';
for (let n = 0; n * LINE_BYTES < bytes; n++) text += floodLine(n);
const data = Buffer.from(text.slice(0, bytes));
let offset = 0;
function next() {
  while (offset < data.length) {
    const end = Math.min(offset + 65536, data.length);
    const ok = process.stdout.write(data.subarray(offset, end));
    offset = end;
    if (!ok) return process.stdout.once('drain', next);
  }
}
next();
`;
