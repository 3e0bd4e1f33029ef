import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { checkDefaults, compileJob, type CompileContext } from './compile.js';
import { displayPath, SourceLocator, subject } from './locate.js';
import { defaultsSchema, jobSchema, DEFAULTS_KEYS, JOB_KEYS, type RawDefaults } from './schema.js';
import type { Definitions, JobDefinition } from './types.js';

/**
 * Reads and validates the definitions file. Validation is complete before anything
 * touches Redis: every problem is collected and thrown together as one ConfigError
 * whose lines each name file:line:col, the job and what would be valid.
 */
export async function loadDefinitions(file: string): Promise<Definitions> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new ConfigError(
      `definitions file ${displayPath(absolute)}: ${reason}; pass --config or set JOBS_CONFIG`,
      {
        cause: error,
      },
    );
  }
  return parseDefinitions(text, absolute);
}

const topSchema = z.strictObject({
  defaults: z.unknown().optional(),
  jobs: z.record(z.string(), z.unknown()),
});

export async function parseDefinitions(text: string, absoluteFile: string): Promise<Definitions> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new SourceLocator(absoluteFile, doc, lines);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => `${locator.format(error.pos[0])}: ${firstLine(error.message)}`),
    );
  }

  const problems: string[] = [];
  const top = topSchema.safeParse(doc.toJS() ?? {});
  if (!top.success) {
    throw new ConfigError(describeIssues(top.error.issues, [], locator));
  }

  const defaults: RawDefaults =
    parseReporting(defaultsSchema, top.data.defaults, ['defaults'], locator, problems) ?? {};
  const context: CompileContext = {
    file: absoluteFile,
    locator,
    defaults,
    problemCount: () => problems.length,
    report: (keys, problem, value) => {
      const where =
        keys.length === 2 ? locator.keyAt(['jobs'], String(keys[1])) : locator.valueAt(keys);
      problems.push(`${subject(keys, value)} at ${where}: ${problem}`);
    },
  };
  checkDefaults(defaults, context.report);

  const jobs = new Map<string, JobDefinition>();
  for (const [name, value] of Object.entries(top.data.jobs)) {
    const parsed = parseReporting(jobSchema, value, ['jobs', name], locator, problems);
    if (parsed === undefined) continue;
    const job = await compileJob(name, parsed, context);
    if (job) jobs.set(name, job);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { file: absoluteFile, jobs };
}

/**
 * Parses one section, reporting its shape problems. A section whose only problem is an
 * unknown key is still returned (without that key) so that its other values are checked
 * too and the operator sees every error in one go.
 */
function parseReporting<T extends z.ZodObject>(
  schema: T,
  value: unknown,
  keys: PropertyKey[],
  locator: SourceLocator,
  problems: string[],
): z.infer<T> | undefined {
  const input = value ?? {};
  const strict = schema.safeParse(input);
  if (strict.success) return strict.data;
  problems.push(...describeIssues(strict.error.issues, keys, locator));
  if (strict.error.issues.every((issue) => issue.code === 'unrecognized_keys')) {
    const loose = schema.strip().safeParse(input);
    if (loose.success) return loose.data as z.infer<T>;
  }
  return undefined;
}

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: PropertyKey[],
  locator: SourceLocator,
): string[] {
  return issues.flatMap((issue) => {
    const keys = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const valid =
        keys.length === 0
          ? ['defaults', 'jobs']
          : keys[0] === 'defaults'
            ? DEFAULTS_KEYS
            : JOB_KEYS;
      return issue.keys.map(
        (key) =>
          `${keys.length === 0 ? `key '${key}'` : `key '${key}' of ${subject(keys)}`} at ${locator.keyAt(keys, key)}: unknown key; valid keys are ${valid.join(', ')}`,
      );
    }
    if (keys.length === 0 || (keys.length === 1 && keys[0] === 'jobs')) {
      return [`${locator.valueAt(keys)}: the file needs a 'jobs:' map of job names to definitions`];
    }
    return [`${subject(keys)} at ${locator.valueAt(keys)}: ${plainMessage(issue)}`];
  });
}

function plainMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((value) => String(value)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.message;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
