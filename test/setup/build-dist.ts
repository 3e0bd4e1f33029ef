import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT_CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
/** What `npm run build` reads, besides src/. */
const BUILD_INPUTS = ['esbuild.config.js', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * The e2e tests run dist/cli/main.js as an operator would. Rebuild it when anything the
 * build reads is newer, so `npx vitest run test/e2e/x.test.ts` after an edit tests the
 * edit; `npm test` builds just before vitest, finds dist/ current and builds nothing.
 */
export default function setup(): void {
  const builtAt = modifiedAt(BUILT_CLI);
  const newer = newestInput();
  if (builtAt !== undefined && newer.at <= builtAt) return;
  const why = builtAt === undefined ? 'no dist/cli/main.js' : `${newer.file} changed`;
  console.log(`building dist/ (${why})`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestInput(): { file: string; at: number } {
  let newest = { file: '', at: 0 };
  const consider = (file: string) => {
    const at = modifiedAt(file) ?? 0;
    if (at > newest.at) newest = { file: path.relative(ROOT, file), at };
  };
  for (const file of BUILD_INPUTS) consider(path.join(ROOT, file));
  // Directories count too: a deleted source file changes only its directory's mtime.
  const src = path.join(ROOT, 'src');
  consider(src);
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' }))
    consider(path.join(src, file));
  return newest;
}
