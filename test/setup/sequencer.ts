import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest test files first, so that files running side by side end together instead of
 * one long scenario starting last (hosts-exactly-once, 60 s, ran last on a fresh clone and
 * added a minute on its own). Vitest orders by the durations in its cache when it has
 * them; a fresh clone (CI) has none, and Vitest then orders by file size. There the
 * durations measured in test/durations.json decide (`npm run test:durations` rewrites
 * it); a file not listed there counts as an average one.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const known = readDurations(root);
    const seconds = (file: TestSpecification): number =>
      known.get(path.relative(root, file.moduleId)) ?? UNLISTED_SECONDS;
    if (files.every((file) => this.ctx.cache.getFileTestResults(key(root, file))))
      return super.sort(files);
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}

/** A file not in test/durations.json: about the median end-to-end file. */
const UNLISTED_SECONDS = 10;

function key(root: string, file: TestSpecification): string {
  return `${file.project.name}:${path.relative(root, file.moduleId)}`;
}

function readDurations(root: string): Map<string, number> {
  try {
    const text = readFileSync(path.join(root, 'test', 'durations.json'), 'utf8');
    return new Map(Object.entries(JSON.parse(text) as Record<string, number>));
  } catch {
    return new Map();
  }
}
