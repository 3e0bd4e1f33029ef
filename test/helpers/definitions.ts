import {
  BUILTIN_DEFAULTS,
  type JobDefinition,
  type Schedule,
} from '../../src/definitions/types.js';

/** A valid job definition for unit tests, with the built-in defaults. */
export function sampleJob(
  schedule: Schedule,
  overrides: Partial<JobDefinition> = {},
): JobDefinition {
  return {
    ...BUILTIN_DEFAULTS,
    name: 'sample',
    description: '',
    schedule,
    handler: { kind: 'module', spec: './x.js', path: '/x.js' },
    enabled: true,
    jitterMs: 0,
    roles: [],
    data: undefined,
    source: 'jobs.yaml:1:1',
    ...overrides,
  };
}
