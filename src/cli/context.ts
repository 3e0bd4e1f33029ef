import type { Queue } from 'bullmq';
import type { Command } from 'commander';
import { loadSettings, type Settings } from '../config/settings.js';
import { didYouMean } from '../definitions/suggest.js';
import { UsageError } from '../errors.js';
import { closeWithin } from '../process/deadline.js';
import { queueNamesOf } from '../queue/queue-names.js';
import { connectProducer, type RedisClient } from '../redis/connection.js';
import { LazyQueues } from '../redis/lazy-queues.js';
import { readStored, type StoredDefinition } from '../schedule/stored.js';

/**
 * What a one-shot command talking to Redis needs: the settings, a fail-fast client, the
 * definitions as the daemons synced them, and BullMQ queues opened on demand. BullMQ is
 * imported only by the commands that write through it (retry, prune, pause, list's
 * scheduler lookups): the listings read with the plain client and start in half the time.
 * close() releases all of it, whatever happened.
 */
export class CliContext {
  private readonly queues: LazyQueues;
  private storedCache: Map<string, StoredDefinition> | undefined;

  private constructor(
    readonly settings: Readonly<Settings>,
    readonly client: RedisClient,
  ) {
    this.queues = new LazyQueues(settings.redis, 'producer', settings.prefix);
  }

  static async open(command: Command): Promise<CliContext> {
    const global = command.optsWithGlobals<{ config?: string }>();
    const settings = loadSettings({ config: global.config });
    return new CliContext(settings, await connectProducer(settings));
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  async stored(): Promise<Map<string, StoredDefinition>> {
    this.storedCache ??= await readStored(this.client, this.prefix);
    return this.storedCache;
  }

  /**
   * The queues named (--queue), or every queue the synced definitions use, each with the
   * per-host queues of its `runOn: all` jobs (`default@web-1`).
   */
  async queueNames(only: readonly string[] = []): Promise<string[]> {
    return queueNamesOf(this.client, this.prefix, await this.stored(), only);
  }

  queue(name: string): Promise<Queue> {
    return this.queues.get(name);
  }

  /** The queues named (--queue), or every queue, opened as BullMQ queues. */
  async openQueues(only: readonly string[] = []): Promise<Queue[]> {
    return this.queues.getAll(await this.queueNames(only));
  }

  async close(): Promise<void> {
    await closeWithin(2_000, () => this.queues.closeAll());
    this.client.disconnect();
  }
}

/** A job name the synced definitions do not know: exit 2, with the nearest name and the known ones. */
export function unknownJob(name: string, known: Iterable<string>): UsageError {
  const names = [...known].sort();
  return new UsageError(
    `no job named '${name}'${didYouMean(name, names)}; known jobs: ${names.join(', ') || 'none'}`,
  );
}

/** Runs `body` with an open context and always closes it. */
export async function withContext<T>(
  command: Command,
  body: (context: CliContext) => Promise<T>,
): Promise<T> {
  const context = await CliContext.open(command);
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}
