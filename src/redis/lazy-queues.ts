import type { Queue } from 'bullmq';
import type { RedisTarget } from '../config/settings.js';
import type { ConnectionRole } from './connection.js';

/**
 * BullMQ queues opened on first use, by name, for the processes that mostly read with the
 * plain client (one-shot commands, the admin page): BullMQ itself is imported only when
 * the first queue is asked for, so a listing never pays for loading it. An idle queue's
 * connection errors are left to the call that fails, not raised as 'error' events.
 */
export class LazyQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly target: RedisTarget,
    private readonly role: ConnectionRole,
    private readonly prefix: string,
  ) {}

  async get(name: string): Promise<Queue> {
    let queue = this.queues.get(name);
    if (!queue) {
      const { openQueue } = await import('./bull.js');
      queue = openQueue(name, this.target, this.role, { prefix: this.prefix });
      queue.on('error', () => undefined); // surfaced by the failing call
      this.queues.set(name, queue);
    }
    return queue;
  }

  async getAll(names: readonly string[]): Promise<Queue[]> {
    const queues: Queue[] = [];
    for (const name of names) queues.push(await this.get(name));
    return queues;
  }

  /** Closes every queue opened so far; settles whatever each close does. */
  closeAll(): Promise<unknown> {
    return Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }
}
