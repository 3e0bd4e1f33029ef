import type { Job, Queue } from 'bullmq';
import { loadSettings, type Settings } from '../config/settings.js';
import { loadDefinitions } from '../definitions/load.js';
import { displayPath } from '../definitions/parsed.js';
import { didYouMean } from '../definitions/suggest.js';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import { errorMessage, JobsError, RedisUnavailableError, UsageError } from '../errors.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import { closeWithin } from '../process/deadline.js';
import { roleQueueName } from '../schedule/host-queues.js';
import { describeTarget, refuseWithoutRedis, type RedisClient } from '../redis/connection.js';
import { isRedisUnavailable } from '../redis/describe-error.js';
import { refuseIfDisabled } from '../schedule/job-switch.js';
import { retentionOf, runOptions } from '../schedule/job-options.js';

export interface EnqueueOptions {
  /** Start no sooner than this many milliseconds from now. */
  delay?: number;
  /** A job id of your own: a second enqueue with the same id is ignored while the first is kept. */
  jobId?: string;
  /** Lower runs first; 0 (the default) means no priority. */
  priority?: number;
}

export interface Enqueued {
  id: string;
  name: string;
  queue: string;
}

/**
 * Enqueues on-demand runs by name, validated against the definitions, with the job's
 * attempts, backoff and retention. What it writes is a plain BullMQ job (queue = the
 * job's queue, name = the job's name, prefix = JOBS_PREFIX), as any BullMQ client would.
 */
export class JobsClient {
  private readonly queues: LazyQueues;

  constructor(
    readonly settings: Readonly<Settings>,
    readonly definitions: Definitions,
  ) {
    this.queues = new LazyQueues(settings.redis, 'producer', settings.prefix);
  }

  static async open(options: { config?: string } = {}): Promise<JobsClient> {
    const settings = loadSettings({ config: options.config });
    refuseWithoutRedis(settings.redis);
    return new JobsClient(settings, await loadDefinitions(settings.configPath));
  }

  definition(name: string): JobDefinition {
    const job = this.definitions.jobs.get(name);
    if (!job) {
      const names = [...this.definitions.jobs.keys()].sort();
      throw new UsageError(
        `no job named '${name}' in ${displayPath(this.definitions.file)}${didYouMean(name, names)}; known jobs: ${names.join(', ') || 'none'}`,
      );
    }
    if (!job.enabled)
      throw new UsageError(`job '${name}' is disabled in ${displayPath(this.definitions.file)}`);
    return job;
  }

  queue(name: string): Promise<Queue> {
    return this.queues.get(name);
  }

  async enqueue(name: string, data?: unknown, options: EnqueueOptions = {}): Promise<Enqueued> {
    const job = this.definition(name);
    const retention = retentionOf(this.settings);
    // A job with roles goes straight to its role queue, which only hosts with a role
    // consume, so that the id returned is that of the run (run-job waits on it).
    const queueName = job.roles.length > 0 ? roleQueueName(job.queue, job.roles) : job.queue;
    const queue = await this.queue(queueName);
    try {
      const added = await queue.add(job.name, data === undefined ? job.data : data, {
        ...runOptions(job, retention),
        ...options,
      });
      return { id: added.id ?? '', name: job.name, queue: queueName };
    } catch (error) {
      throw this.enqueueFailed(name, queueName, error);
    }
  }

  /**
   * Only a Redis that cannot be used is an outage (exit 69, try again later). A reply
   * that refuses the write (a full server) is a plain error; a refusal before Redis was
   * asked (BullMQ's checks of `jobId` and `priority`, data that is not JSON) is the
   * caller's to fix: a UsageError, as an unknown name is.
   */
  private enqueueFailed(name: string, queueName: string, error: unknown): JobsError {
    const message = `cannot enqueue '${name}'`;
    const cause = errorMessage(error);
    if (isRedisUnavailable(error)) {
      // A producer's connection gives up after a few reconnects, and stays closed: drop
      // the queue, so that the next call opens a new one once Redis is back.
      this.queues.discard(queueName);
      const where = describeTarget(this.settings.redis);
      return new RedisUnavailableError(`${message} on ${where}: ${cause}`, { cause: error });
    }
    if (error instanceof Error && error.name === 'ReplyError') {
      return new JobsError(`${message}: Redis refused it: ${cause}`, { cause: error });
    }
    return new UsageError(`${message}: ${cause}`, { cause: error });
  }

  async getJob(queue: string, id: string): Promise<Job | undefined> {
    return (await (await this.queue(queue)).getJob(id)) ?? undefined;
  }

  async close(): Promise<void> {
    // close() can wait for a Redis that went away: never let that hang the caller.
    await closeWithin(2_000, () => this.queues.closeAll());
  }
}

/**
 * A run asked for by hand (`jobs run-job`, the page's *Run now*): as `enqueue`, but a job
 * an operator disabled (`jobs disable`) is refused with JobDisabledError (exit 1), naming
 * who disabled it and why, unless `force`. An unknown name or the file's `enabled: false`
 * is refused first, with UsageError (exit 2). `client` is any connection to the same Redis:
 * the check is one HGET.
 */
export async function runNow(
  jobs: JobsClient,
  client: RedisClient,
  name: string,
  data?: unknown,
  options: EnqueueOptions & { force?: boolean } = {},
): Promise<Enqueued> {
  const { force, ...enqueueOptions } = options;
  jobs.definition(name);
  if (!force) await refuseIfDisabled(client, jobs.settings.prefix, name);
  return jobs.enqueue(name, data, enqueueOptions);
}

let shared: Promise<JobsClient> | undefined;

/** Enqueues a run of the job `name` (SPEC §3). Reads JOBS_CONFIG / ./jobs.yaml and REDIS_URL once. */
export async function enqueue(
  name: string,
  data?: unknown,
  options: EnqueueOptions & { config?: string } = {},
): Promise<Enqueued> {
  shared ??= JobsClient.open({ config: options.config });
  const { config: _config, ...rest } = options;
  return (await shared).enqueue(name, data, rest);
}

/** Closes the connections `enqueue` opened; call it when the application shuts down. */
export async function closeJobs(): Promise<void> {
  const client = shared;
  shared = undefined;
  if (client) await (await client).close();
}
