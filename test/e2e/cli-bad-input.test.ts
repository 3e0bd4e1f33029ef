import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { runCli, uniquePrefix, writeProject } from '../helpers/cli.js';

const redisUrl = inject('redisUrl');

interface BadInput {
  input: string;
  env: Record<string, string>;
  args: string[];
  exit: number;
  line: string;
}

/**
 * The rows of the "Bad input" table in docs/commands.md: the table is the expectation, so
 * a change of wording or exit code fails here until the docs say it too.
 */
function readTable(): BadInput[] {
  const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/commands.md');
  const section = readFileSync(docs, 'utf8').split('\n## Bad input\n')[1] ?? '';
  const rows: BadInput[] = [];
  for (const text of section.split('\n')) {
    const match = /^\|\s*`(.+?)`\s*\|\s*(\d+)\s*\|\s*`(.+)`\s*\|$/.exec(text);
    if (!match) continue;
    const words = splitWords(match[1] as string);
    const env: Record<string, string> = {};
    while (words[0] && /^[A-Z_]+=/.test(words[0])) {
      const [name, ...value] = (words.shift() as string).split('=');
      env[name as string] = value.join('=');
    }
    expect(words.shift(), `row '${match[1]}' starts with jobs`).toBe('jobs');
    rows.push({
      input: match[1] as string,
      env,
      args: words,
      exit: Number(match[2]),
      line: match[3] as string,
    });
  }
  return rows;
}

/** Words as a shell splits them, with '…' quoting (enough for the table's inputs). */
function splitWords(text: string): string[] {
  return [...text.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? (match[2] as string));
}

const ROWS = readTable();

describe('bad input, as docs/commands.md lists it', () => {
  const dir = writeProject({
    'jobs.yaml': 'jobs:\n  slow:\n    command: ["sleep", "1"]\n  fail:\n    command: "false"\n',
  });
  const env = { REDIS_URL: redisUrl, JOBS_PREFIX: uniquePrefix(), JOBS_CONFIG: 'jobs.yaml' };

  it('has a row for every command', () => {
    const commands = new Set(ROWS.map((row) => row.args[0]));
    for (const command of [
      'start',
      'work',
      'run',
      'restart',
      'validate',
      'run-job',
      'list',
      'pending',
      'failed',
      'retry',
      'prune',
      'history',
      'pause',
      'resume',
      'status',
      'disable',
      'enable',
      'remove',
    ])
      expect(commands, command).toContain(command);
  });

  it.each(ROWS.map((row) => [row.input, row]))('%s', async (_input, row) => {
    const result = await runCli(row.args, {
      cwd: dir,
      env: { ...env, ...row.env },
      timeoutMs: 15_000,
    });
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: row.exit,
      stderr: `${row.line}\n`,
    });
    expect(result.stdout).toBe('');
  });
});
