import { Queue, Worker, type Processor, type QueueOptions, type WorkerOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RedisTarget } from '../config/settings.js';
import { bullConnection, type ConnectionRole } from './connection.js';

/**
 * BullMQ queues and consumers (BullMQ Workers) on our connections. On a single server
 * (URL, socket, Sentinel) BullMQ opens and closes its own connections from options. On a
 * Cluster it must be handed a client, which it never closes (it treats it as the
 * caller's): each queue or consumer here gets its own and closes it with itself, so a
 * stopped daemon or a finished command leaves no connection holding the process open.
 */
export function openQueue(
  name: string,
  target: RedisTarget,
  role: ConnectionRole,
  options: Omit<QueueOptions, 'connection'>,
): Queue {
  const connection = bullConnection(target, role);
  const queue = new Queue(name, { ...options, connection });
  if (connection instanceof Cluster) closeTogether(queue, connection);
  return queue;
}

/** A BullMQ Worker taking `name`'s jobs: one consumer of a worker process. */
export function openConsumer(
  name: string,
  processor: Processor,
  target: RedisTarget,
  options: Omit<WorkerOptions, 'connection'>,
): Worker {
  const connection = bullConnection(target, 'worker');
  const consumer = new Worker(name, processor, { ...options, connection });
  if (connection instanceof Cluster) closeTogether(consumer, connection);
  return consumer;
}

interface Closable {
  close(force?: boolean): Promise<void>;
}

function closeTogether(owner: Closable, cluster: Cluster): void {
  const close = owner.close.bind(owner);
  let closing: Promise<void> | undefined;
  owner.close = (force?: boolean) => {
    // A forced close after a hung graceful one must still reach BullMQ (see worker/consumers.ts).
    if (force) return close(true).finally(() => cluster.disconnect());
    closing ??= close().finally(() => cluster.disconnect());
    return closing;
  };
}
