import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Where a handler module's syntax error is, as `line:column`. The SyntaxError that
 * `import()` throws carries no position (Node shows one only when the error ends the
 * process), so the source is checked again by `node --check`, whose report starts with
 * `[stdin]:LINE`, the line itself and a caret under the column. It costs a process start,
 * and runs only once loading has failed with a SyntaxError.
 */
export function locateSyntaxError(modulePath: string, message: string): string | undefined {
  let source: string;
  try {
    source = readFileSync(modulePath, 'utf8');
  } catch {
    return undefined;
  }
  const type = modulePath.endsWith('.cjs') ? 'commonjs' : 'module';
  const check = spawnSync(process.execPath, [`--input-type=${type}`, '--check'], {
    input: source,
    encoding: 'utf8',
    timeout: 10_000,
  });
  const lines = (check.stderr ?? '').split('\n');
  const line = /^\[stdin\]:(\d+)/.exec(lines[0] ?? '')?.[1];
  // A different error than import() met (another module type): its place would mislead.
  if (line === undefined || !check.stderr.includes(message)) return undefined;
  const caret = lines[2]?.indexOf('^') ?? -1;
  return `${line}:${caret >= 0 ? caret + 1 : 1}`;
}
