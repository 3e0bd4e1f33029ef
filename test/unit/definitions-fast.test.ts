import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseFast } from '../../src/definitions/fast-parse.js';
import { parseYaml, type ParsedJob } from '../../src/definitions/parse-yaml.js';
import { readFast, readPositioned } from '../../src/definitions/load.js';
import type { Definitions } from '../../src/definitions/types.js';
import { MANY_HANDLER, manyDefinitions } from '../helpers/many-definitions.js';

/**
 * The fast path (js-yaml, no positions) must read every file exactly as the
 * position-keeping path does, and accept no file that path refuses.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = mkdtempSync(path.join(os.tmpdir(), 'jobs-fast-'));
writeFileSync(path.join(DIR, 'handler.js'), MANY_HANDLER);
const FILE = path.join(DIR, 'jobs.yaml');

/** Every string literal in the tests (no `${…}` in it) that holds a definitions file. */
function definitionsInTests(): string[] {
  const found: string[] = [];
  const files = readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((name) => name.endsWith('.ts'))) {
    const source = ts.createSourceFile(
      file,
      readFileSync(path.join(ROOT, 'test', file), 'utf8'),
      ts.ScriptTarget.ES2022,
    );
    const visit = (node: ts.Node): void => {
      if (
        (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
        /^jobs:|\njobs:/.test(node.text)
      ) {
        found.push(node.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** Values whose reading differs between YAML parsers, or between YAML 1.1 and 1.2. */
const SCALARS = [
  '0b11',
  '+0x1F',
  '0x1F',
  '0o17',
  '-0o17',
  '012',
  '1_000',
  '-0',
  '+12',
  '1.',
  '.5',
  '+.5',
  '1e3',
  '1E+3',
  '.inf',
  '-.Inf',
  '.NaN',
  '.nan',
  '~',
  'null',
  'Null',
  'NULL',
  'nUll',
  'true',
  'True',
  'TRUE',
  'tRue',
  'yes',
  'on',
  'off',
  'y',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '12:30:00',
  '"1"',
  "'true'",
  '"tab\\there \\u00e9 \\x41"',
  "'it''s'",
  'a #not',
  'a # comment',
  'http://x.org/a:b',
  '[1, "2", {a: 3}]',
  '{}',
  '[]',
  '{ <<: {a: 1} }',
  '"multi\n        line"',
  'plain\n        continued',
  '|\n        kept\n\n        text\n',
  '|-\n        stripped\n',
  '|+\n        kept\n\n',
  '>\n        folded\n        lines\n\n        para\n',
  '>-\n        a\n         b\n',
  '',
  '99999999999999999999',
  '"\\u263A"',
  '€ ünïcode',
];

const TRICKY = `defaults:
  timezone: UTC
jobs:
  values:
    command: "true"
    data:
${SCALARS.map((value, i) => `      v${i}: ${value}`).join('\n')}
      1: one
      true: yes
      <<: merge-key
      nested: { "a b": [ { c: d } ] }
  '007':
    every: 1h
    command: ["sh", "-c", "echo 'a: b' # not a comment"]
`;

async function both(text: string): Promise<{
  fast: Definitions | undefined;
  slow: Definitions | Error;
}> {
  const slow = await readPositioned(text, FILE).catch((error: unknown) => error as Error);
  return { fast: await readFast(text, FILE), slow };
}

function entries(definitions: Definitions): unknown[] {
  return [...definitions.jobs.entries()];
}

describe('definitions read by js-yaml', () => {
  it('reads each scalar as the yaml library does', () => {
    const fast = parseFast(TRICKY, FILE);
    const slow = parseYaml(TRICKY, FILE);
    expect(fast, 'this file takes the fast path').toBeDefined();
    const jobsOf = (parsed: typeof slow) =>
      [...parsed.jobs({ jobs: {} })].map((job) => {
        const { name, value } = job as ParsedJob;
        return { name, value };
      });
    expect(jobsOf(fast!)).toEqual(jobsOf(slow));
    expect(fast!.top).toEqual(slow.top);
    const data = (jobsOf(fast!)[0]?.value as { data: Record<string, unknown> }).data;
    expect(data.v0).toBe('0b11');
    expect(data.v6).toBe('1_000');
    expect(Object.is(data.v7, -0)).toBe(true);
  });

  it('compiles the example, the tests’ files and 10,000 jobs as the positioned path does', async () => {
    const files = [
      readFileSync(path.join(ROOT, 'examples/jobs.yaml'), 'utf8'),
      TRICKY,
      manyDefinitions(10_000),
      ...definitionsInTests(),
    ];
    expect(files.length).toBeGreaterThan(50);
    let fastCount = 0;
    for (const text of files) {
      const { fast, slow } = await both(text);
      if (slow instanceof Error) {
        expect(fast, `refused by the positioned path:\n${text}`).toBeUndefined();
        continue;
      }
      if (fast === undefined) continue;
      fastCount++;
      expect(entries(fast), text).toEqual(entries(slow));
    }
    // The valid ones in plain block style (most tests' files name handlers that are not
    // here, or are built with values in them): the fast path is really taken and compared.
    expect(fastCount).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it.each([
    ['a duplicate job', 'jobs:\n  a:\n    command: "true"\n  a:\n    command: "false"\n'],
    ['a duplicate key in a job', 'jobs:\n  a:\n    command: "true"\n    command: "x"\n'],
    ['an unknown key', 'jobs:\n  a:\n    command: "true"\n    comand: x\n'],
    ['a YAML error', 'jobs:\n  a:\n    command: "true\n'],
    ['a null key', 'jobs:\n  a:\n    command: "true"\n    data: { ~: 1 }\n'],
    ['__proto__', 'jobs:\n  a:\n    command: "true"\n    data: { __proto__: { x: 1 } }\n'],
  ])('leaves a file with %s to the positioned path', async (_, text) => {
    expect(await readFast(text, FILE)).toBeUndefined();
  });

  it('keeps each job’s position (the file is outside the working directory)', async () => {
    const text =
      'jobs:\n  # first\n  a:\n    command: "true"\n\n  "b":\n    every: 5m\n    command: x\n';
    const fast = await readFast(text, FILE);
    expect([...fast!.jobs.values()].map((job) => job.source)).toEqual([
      `${FILE}:3:3`,
      `${FILE}:6:3`,
    ]);
  });
});
