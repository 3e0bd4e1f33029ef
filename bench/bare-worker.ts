import { Worker, type Job } from 'bullmq';

/**
 * The baseline of the throughput and lag benches: a bare BullMQ Worker, in a process of
 * its own, as the daemon's workers are (a process that already ran rounds has a warm JIT,
 * and would not be compared fairly with a new one).
 * Usage: node bare-worker.js REDIS PREFIX QUEUE CONCURRENCY [lag]
 * REDIS is a redis:// URL or a unix socket path. With `lag`, each job prints its start
 * time minus its tick's due time (the `repeat:<id>:<ms>` job id), in ms, one a line.
 */
const [redis, prefix, queue, concurrency, mode] = process.argv.slice(2);
const where = redis?.startsWith('/') ? { path: redis } : { url: redis };
const noop = async () => null;
const lag = async (job: Job) => {
  const startedAt = Date.now();
  const due = Number(job.id?.slice(job.id.lastIndexOf(':') + 1));
  process.stdout.write(`${startedAt - due}\n`);
  return null;
};
const worker = new Worker(queue as string, mode === 'lag' ? lag : noop, {
  connection: { ...where, maxRetriesPerRequest: null },
  prefix,
  concurrency: Number(concurrency),
});
process.once('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
