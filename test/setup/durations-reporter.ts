import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * `npm run test:durations`: writes each test file's duration (seconds, longest first) to
 * test/durations.json, which the sequencer (sequencer.ts) reads on a clone with no
 * Vitest cache. Files that did not run keep their figure; files that are gone lose it.
 * Run it over the whole suite: a run filtered with `-t` would record the skipped files'
 * near-zero times.
 */
export default class DurationsReporter implements Reporter {
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const root = this.root;
    const file = path.join(root, 'test', 'durations.json');
    const seconds = new Map<string, number>(
      existsSync(file)
        ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>)
        : [],
    );
    for (const module of modules)
      seconds.set(
        path.relative(root, module.moduleId),
        Math.round(module.diagnostic().duration / 100) / 10,
      );
    const kept = [...seconds]
      .filter(([name]) => existsSync(path.join(root, name)))
      .sort((a, b) => b[1] - a[1]);
    writeFileSync(file, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`);
  }
}
