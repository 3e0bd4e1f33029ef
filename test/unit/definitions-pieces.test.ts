import { describe, expect, it } from 'vitest';
import { parseDefinitions } from '../../src/definitions/load.js';
import { parseWhole, parseYaml, type ParsedJob } from '../../src/definitions/parse-yaml.js';
import { splitJobs } from '../../src/definitions/segments.js';
import { ConfigError } from '../../src/errors.js';

const FILE = '/srv/app/jobs.yaml';

/** Block style as people write it: comments, blank lines, block scalars, flow collections. */
const BLOCK = `# nightly work
defaults:
  timezone: UTC   # everything in UTC
  env: { LANG: C }

jobs:
  # the big one
  backup-db:
    description: |
      Dumps the database.

      Keeps 30 days.
    schedule: "0 3 * * *"
    command: ["pg_dump", "--file=/tmp/x", "db"]
    data: { bucket: "s3://b", keep: [1, 2, 3] }

  "quoted-name":
    every: 5m
    command: 'tar -czf a.tgz b && echo done'
    data:
      nested:
        deeper: true
  plain: { every: 1h, command: "true" }
`;

function jobsOf(text: string, parse: typeof parseYaml): ParsedJob[] {
  const parsed = parse(text, FILE);
  const top = parsed.top as { jobs: Record<string, unknown> };
  return [...parsed.jobs(top)].filter((job): job is ParsedJob => typeof job !== 'symbol');
}

describe('definitions parsed a job at a time', () => {
  it('splits a block-style file into the head and one piece per job', () => {
    const split = splitJobs(BLOCK);
    expect(split?.jobs.map((job) => job.text.split('\n')[0])).toEqual([
      '  backup-db:',
      '  "quoted-name":',
      '  plain: { every: 1h, command: "true" }',
    ]);
  });

  it('reads the same values and positions as the whole-file parse', () => {
    const pieces = jobsOf(BLOCK, parseYaml);
    const whole = jobsOf(BLOCK, parseWhole);
    expect(pieces.map(({ name, value }) => ({ name, value }))).toEqual(
      whole.map(({ name, value }) => ({ name, value })),
    );
    expect(parseYaml(BLOCK, FILE).top).toEqual({
      ...(parseWhole(BLOCK, FILE).top as object),
      jobs: {},
    });
    const probes: [string, PropertyKey[]][] = [
      ['backup-db', ['schedule']],
      ['backup-db', ['description']],
      ['backup-db', ['data', 'keep', 2]],
      ['backup-db', ['no-such-key']],
      ['quoted-name', ['data', 'nested', 'deeper']],
      ['plain', ['every']],
    ];
    for (const [name, keys] of probes) {
      const piece = pieces.find((job) => job.name === name) as ParsedJob;
      const full = whole.find((job) => job.name === name) as ParsedJob;
      const at = ['jobs', name, ...keys];
      expect(piece.locator.valueAt(at), at.join('.')).toBe(full.locator.valueAt(at));
      expect(piece.locator.keyAt(['jobs'], name)).toBe(full.locator.keyAt(['jobs'], name));
      expect(piece.locator.keyAt(['jobs', name], 'command')).toBe(
        full.locator.keyAt(['jobs', name], 'command'),
      );
    }
    expect(pieces[0]?.locator.valueAt(['jobs', 'backup-db', 'schedule'])).toBe(
      '/srv/app/jobs.yaml:13:15',
    );
  });

  it.each([
    ['an anchor and an alias', 'jobs:\n  a: &shared\n    command: "true"\n  b: *shared\n'],
    ['a tag', 'jobs:\n  a:\n    command: !custom "true"\n'],
    ['a key after jobs', 'jobs:\n  a:\n    command: "true"\ndefaults:\n  queue: q\n'],
    ['jobs in flow style', 'jobs: { a: { command: "true" } }\n'],
    ['a document marker', '---\njobs:\n  a:\n    command: "true"\n'],
    ['a list under jobs', 'jobs:\n  - a\n'],
    [
      'jobs at two indentations',
      'jobs:\n    a:\n      command: "true"\n  b:\n    command: "true"\n',
    ],
  ])('parses a file with %s whole', (_, text) => {
    expect(splitJobs(text)).toBeUndefined();
  });

  it('reports an error inside a job piece as the whole-file parse does', async () => {
    const text = 'jobs:\n  a:\n    command: "true"\n  b:\n    command: "true"\n      bad: indent\n';
    const error = await parseDefinitions(text, FILE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^\/srv\/app\/jobs\.yaml:6:\d+: /);
  });

  it('reports a job name given twice at its second place', async () => {
    const text =
      'jobs:\n  a:\n    command: "true"\n  b:\n    command: "true"\n  a:\n    command: "false"\n';
    const error = await parseDefinitions(text, FILE).catch((e: unknown) => e);
    expect((error as ConfigError).message).toBe('/srv/app/jobs.yaml:6:3: Map keys must be unique');
  });
});
