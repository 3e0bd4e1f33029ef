import { Queue } from 'bullmq';
import { InvalidArgumentError, type Command } from 'commander';
import type { Redis } from 'ioredis';
import { loadSettings, type Settings } from '../config/settings.js';
import { bullConnection, connectProducer } from '../redis/connection.js';
import { META, metaKey } from '../redis/keys.js';
import { parseStored, type StoredDefinition } from '../schedule/sync.js';

/**
 * What a one-shot command talking to Redis needs: the settings, a fail-fast client, the
 * definitions as the daemons synced them, and BullMQ queues opened on demand. close()
 * releases all of it, whatever happened.
 */
export class CliContext {
  private readonly queues = new Map<string, Queue>();
  private storedCache: Map<string, StoredDefinition> | undefined;

  private constructor(
    readonly settings: Readonly<Settings>,
    readonly client: Redis,
  ) {}

  static async open(command: Command): Promise<CliContext> {
    const global = command.optsWithGlobals<{ config?: string }>();
    const settings = loadSettings({ config: global.config });
    return new CliContext(settings, await connectProducer(settings));
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  async stored(): Promise<Map<string, StoredDefinition>> {
    this.storedCache ??= parseStored(
      await this.client.hgetall(metaKey(this.prefix, META.definitions)),
    );
    return this.storedCache;
  }

  /** The queues named (--queue), or every queue the synced definitions use. */
  async queueNames(only: readonly string[] = []): Promise<string[]> {
    if (only.length > 0) return [...new Set(only)];
    const names = new Set([...(await this.stored()).values()].map((job) => job.queue));
    return names.size > 0 ? [...names].sort() : ['default'];
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: bullConnection(this.settings.redis, 'producer'),
        prefix: this.prefix,
      });
      queue.on('error', () => undefined); // surfaced by the failing call
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.race([
      Promise.allSettled([...this.queues.values()].map((queue) => queue.close())),
      new Promise((resolve) => setTimeout(resolve, 2_000)),
    ]);
    this.client.disconnect();
  }
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

/** commander's collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A --limit value: a whole number ≥ 1. */
export function parseLimit(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError('must be a whole number ≥ 1');
  }
  return number;
}
