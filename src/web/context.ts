import type { Queue } from 'bullmq';
import { stat } from 'node:fs/promises';
import type { Settings } from '../config/settings.js';
import { loadDefinitions } from '../definitions/load.js';
import { JobsClient } from '../queue/client.js';
import { closeWithin } from '../process/deadline.js';
import { queueNamesOf } from '../queue/queue-names.js';
import type { RedisClient } from '../redis/connection.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import { readStored, type StoredDefinition } from '../schedule/stored.js';

/**
 * What the API's handlers share: the settings, one Redis connection, and BullMQ queues
 * opened on first use (only the actions write through BullMQ; the listings read with
 * the plain client, as the CLI does). Both connections reconnect forever and fail a
 * command at once while Redis is away (the `monitor` role): a request then answers 503
 * at once instead of hanging, and the next one works when Redis is back.
 */
export class WebContext {
  private readonly queues: LazyQueues;
  private closing: Promise<void> | undefined;
  private enqueuer: { client: JobsClient; mtimeMs: number } | undefined;

  constructor(
    readonly settings: Readonly<Settings>,
    readonly client: RedisClient,
  ) {
    this.queues = new LazyQueues(settings.redis, 'monitor', settings.prefix);
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  stored(): Promise<Map<string, StoredDefinition>> {
    return readStored(this.client, this.prefix);
  }

  /** Every queue the synced definitions use, with their per-host and per-role queues. */
  async queueNames(only: readonly string[] = []): Promise<string[]> {
    return queueNamesOf(this.client, this.prefix, await this.stored(), only);
  }

  queue(name: string): Promise<Queue> {
    return this.queues.get(name);
  }

  openQueues(names: readonly string[]): Promise<Queue[]> {
    return this.queues.getAll(names);
  }

  /**
   * The client that enqueues runs by name, with the definitions file as it is now: read
   * again when the file changed (a deploy), as a restarted daemon would.
   */
  async jobsClient(): Promise<JobsClient> {
    const { mtimeMs } = await stat(this.settings.configPath);
    if (this.enqueuer?.mtimeMs !== mtimeMs) {
      const previous = this.enqueuer?.client;
      const definitions = await loadDefinitions(this.settings.configPath);
      this.enqueuer = { client: new JobsClient(this.settings, definitions), mtimeMs };
      void previous?.close();
    }
    return this.enqueuer.client;
  }

  /** Closes the queues and the connection. Idempotent; never waits more than 2 s. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await closeWithin(
        2_000,
        () => this.queues.closeAll(),
        () => this.enqueuer?.client.close(),
      );
      this.client.disconnect();
    })();
    return this.closing;
  }
}
