import { holdStopSignals } from '../process/signals.js';

// The entry the daemon's pool forks (entry-args.ts, WORKER_ENTRY). Static imports load
// before any line of a module runs, so this one imports only the signal hold: a SIGTERM
// that comes while the worker loads BullMQ and the rest is kept, not fatal (the worker
// then stops cleanly, exit 0). The rest is imported after.
holdStopSignals();
const { runForkedWorker } = await import('./forked.js');
await runForkedWorker(process.argv.slice(2));
