import { z } from 'zod';
import { DURATION_HINT, parseDuration } from './duration.js';
import { ROLE_PATTERN } from './types.js';

/**
 * The shape of the definitions file. Cross-field rules (schedule vs every, command vs
 * module), cron, time zones and handler files are checked in compile.ts, where each
 * problem gets the position of the value it is about.
 */

const duration = z.union([z.string(), z.number()]).check((ctx) => {
  if (parseDuration(ctx.value) === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `'${String(ctx.value)}' is not ${DURATION_HINT}`,
    });
  }
});

const backoff = z.union(
  [
    duration,
    z.strictObject({
      type: z.enum(['fixed', 'exponential']),
      delay: duration,
    }),
  ],
  { error: `backoff must be a duration or { type: fixed | exponential, delay: duration }` },
);

// Empty ones pass here: compile.ts names them in our words (zod would say "Too small").
const command = z.union([z.string(), z.array(z.string())], {
  error: 'command must be a string (run by /bin/sh -c) or a list of arguments',
});

const shared = {
  timezone: z.string(),
  queue: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'queue names are letters, digits, ".", "_" and "-"'),
  attempts: z.int().min(1).max(1000),
  backoff,
  timeout: duration,
  overlap: z.enum(['forbid', 'allow']),
  runOn: z.enum(['one', 'all']),
  missed: z.enum(['once', 'skip']),
  cwd: z.string().min(1),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
};

export const defaultsSchema = z.strictObject(shared).partial();

export const jobSchema = z
  .strictObject({
    ...shared,
    description: z.string(),
    schedule: z.string().min(1),
    every: duration,
    delay: duration,
    command,
    module: z.string().min(1),
    enabled: z.boolean(),
    jitter: duration,
    roles: z
      .array(
        z
          .string()
          .regex(
            ROLE_PATTERN,
            "role names are lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
          ),
      )
      .min(1, "roles must name at least one role; leave 'roles' out to run on any host"),
    data: z.unknown(),
  })
  .partial();

export type RawDefaults = z.infer<typeof defaultsSchema>;
export type RawJob = z.infer<typeof jobSchema>;

export const JOB_KEYS = Object.keys(jobSchema.shape);
export const DEFAULTS_KEYS = Object.keys(defaultsSchema.shape);
