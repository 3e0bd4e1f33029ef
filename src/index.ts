/** The package's API: enqueue jobs by name from an application, and the handler types. */
export {
  enqueue,
  closeJobs,
  JobsClient,
  type EnqueueOptions,
  type Enqueued,
} from './queue/client.js';
export type { JobContext, JobHandler } from './worker/run-module.js';
export {
  JobsError,
  ConfigError,
  RedisUnavailableError,
  UsageError,
  WorkFailedError,
  EXIT,
} from './errors.js';
export { loadDefinitions } from './definitions/load.js';
export type { JobDefinition, Definitions } from './definitions/types.js';
