// Builds dist/: the CLI and the library entry, bundled with their dependencies.
//
// Why bundle: a one-shot command (`jobs failed`, `jobs status`) spends most of its time
// loading modules, and Node 20 has no compile cache. One file per entry plus shared
// chunks, instead of some 400 files resolved and read one by one, halves that time.
// The lazily imported commands stay lazy: each becomes its own chunk.
//
// Kept outside the bundle: pino and pino-pretty (pino resolves its transports by file
// path), and msgpackr-extract (a native addon BullMQ's msgpackr loads when present).
// Types come from `tsc --emitDeclarationOnly`; type checking from `npm run typecheck`.
//
// The admin page's files (src/web/page/) are imported with a `?raw` suffix and embedded
// as text, as Vite does for the tests: the page then needs no files beside dist/.
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

/** `import text from './file.js?raw'`: the file's contents as a string. */
const rawText = {
  name: 'raw-text',
  setup(builder) {
    builder.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};

// yaml's Node build reads process.env.LOG_TOKENS for every token it lexes, and each read of
// process.env is a call into C++: a quarter of the CPU time of parsing 10,000 definitions.
// Its browser build is the same code without that read (a warning it would print goes
// to console.warn instead of process.emitWarning: stderr either way).
const yamlBrowserBuild = {
  name: 'yaml-browser-build',
  setup(context) {
    const root = path.dirname(createRequire(import.meta.url).resolve('yaml/package.json'));
    context.onResolve({ filter: /^yaml$/ }, () => ({
      path: path.join(root, 'browser', 'index.js'),
    }));
  },
};

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/main.ts', 'src/worker/main.ts', 'src/index.ts'],
  outdir: 'dist',
  outbase: 'src',
  // dist/cli/main.js and dist/index.js, as package.json's bin and exports name them, and
  // dist/worker/main.js, which the daemon forks for its workers.
  entryNames: '[dir]/[name]',
  // One level under dist/, like src/<concept>/: `new URL('../worker/main.js', import.meta.url)`
  // in a chunk (worker/entry-args.ts) then still finds the entry.
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['pino', 'pino-pretty', 'msgpackr-extract'],
  // CommonJS dependencies (ioredis, commander…) call require(): give ESM chunks one.
  banner: {
    js: "import { createRequire as __jobsCreateRequire } from 'node:module'; const require = __jobsCreateRequire(import.meta.url);",
  },
  plugins: [rawText, yamlBrowserBuild],
  logLevel: 'warning',
});
