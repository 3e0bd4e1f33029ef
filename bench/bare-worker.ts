import { Worker } from 'bullmq';

/**
 * The baseline of the throughput bench: a bare BullMQ Worker running no-op jobs, in a
 * process of its own, as the daemon's workers are (a process that already ran rounds has
 * a warm JIT, and would not be compared fairly with a new one).
 * Usage: node bare-worker.js REDIS_URL PREFIX QUEUE CONCURRENCY
 */
const [url, prefix, queue, concurrency] = process.argv.slice(2);
const worker = new Worker(queue as string, async () => null, {
  connection: { url, maxRetriesPerRequest: null },
  prefix,
  concurrency: Number(concurrency),
});
process.once('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
