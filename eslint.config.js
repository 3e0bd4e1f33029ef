import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'var/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // The admin page's scripts run in the browser, not in Node.
  {
    files: ['src/web/page/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Layers, top to bottom: cli → daemon and web (the admin page: beside the daemon, which
  // serves it) → worker → the rest (queue, schedule, runs, metrics, heartbeat, redis,
  // config, definitions, process, …). A lower layer never imports an upper one; a signal
  // or a message goes through process/ instead.
  layer('src/daemon/**/*.ts', ['cli']),
  layer('src/web/**/*.ts', ['cli', 'daemon']),
  layer('src/worker/**/*.ts', ['cli', 'daemon', 'web']),
  {
    files: ['src/**/*.ts'],
    // index.ts is the package's public entry, a top layer like cli/.
    ignores: ['src/index.ts', 'src/cli/**', 'src/daemon/**', 'src/web/**', 'src/worker/**'],
    ...layerRule(['cli', 'daemon', 'web', 'worker']),
  },
);

/** Files under `glob` may not import from the folders `above` them. */
function layer(glob, above) {
  return { files: [glob], ...layerRule(above) };
}

function layerRule(above) {
  return {
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: above.map((folder) => ({
            regex: `^\\.\\.?/(\\.\\./)*${folder}/`,
            message: `src/${folder}/ is an upper layer: a lower one may not import it (see eslint.config.js)`,
          })),
        },
      ],
    },
  };
}
