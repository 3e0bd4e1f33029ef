import type { Queue } from 'bullmq';
import type { RedisTarget } from '../config/settings.js';
import type { ConnectionRole } from './connection.js';

/**
 * BullMQ queues opened on first use, by name, on connections of one role, and closed
 * together: for every process that writes to queues it does not consume (one-shot
 * commands, the admin page, `enqueue`, the sync, the daemon's pruning and recovery, a
 * worker forwarding a tick). BullMQ itself is imported only when the first queue is asked
 * for, so a listing that reads with the plain client never pays for loading it. A queue's
 * connection errors are left to the call that fails, not raised as 'error' events (an
 * 'error' with no listener would end the process).
 */
export class LazyQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly target: RedisTarget,
    private readonly role: ConnectionRole,
    private readonly prefix: string,
  ) {}

  async get(name: string): Promise<Queue> {
    const open = this.queues.get(name);
    if (open) return open;
    const { openQueue } = await import('./bull.js');
    // Calls at once for one name (the sync writes a hundred at a time) share one queue.
    let queue = this.queues.get(name);
    if (!queue) {
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

  /**
   * Drops a queue whose connection gave up (a producer's stays closed after a few
   * reconnects), so that the next `get` opens a new one once Redis is back.
   */
  discard(name: string): void {
    const queue = this.queues.get(name);
    this.queues.delete(name);
    void queue?.disconnect().catch(() => undefined);
  }

  /** Closes every queue opened so far and forgets them; settles whatever each close does. */
  closeAll(): Promise<unknown> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    return Promise.allSettled(queues.map((queue) => queue.close()));
  }
}
