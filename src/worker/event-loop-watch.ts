import { Worker as Thread } from 'node:worker_threads';

/**
 * A handler that never yields blocks its worker's event loop: its timeout timer cannot
 * fire and nothing on that loop can stop it. Under a daemon, the daemon sees the silence
 * and kills the worker (daemon/liveness.ts). A worker run on its own (`jobs work` under
 * Supervisor or systemd) has no one outside watching, so it watches itself from a thread:
 * the main loop stamps a shared clock every TICK_MS, and notes the deadline (start +
 * timeout) of each run it starts; a thread that finds the clock stale past the earliest
 * deadline plus GRACE_MS writes one log line and kills the process (SIGKILL: nothing
 * gentler reaches a blocked loop). Its supervisor starts a new one; BullMQ's stalled check
 * returns the run, and that start counts as an attempt (processor.ts).
 * Cost: one small thread (about 11 MB of RSS, measured) and a 250 ms timer; per job, two
 * writes to shared memory. A forked worker has none: its daemon watches it for free.
 */
const TICK_MS = 250;
const CHECK_MS = 500;
/** Silence shorter than this is a busy loop (GC, a large JSON parse), not a blocked one. */
const STALE_AFTER_MS = 2_000;
const GRACE_MS = 2_000;

/** Slot 0: the main loop's last stamp (ms); slot 1: the earliest run deadline (0: none). */
const SLOTS = 2;

// The thread's code, as a string: no file of its own to locate in a bundled dist/.
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const shared = new Float64Array(workerData.buffer);
setInterval(() => {
  const now = Date.now();
  const stamp = shared[0];
  const deadline = shared[1];
  if (now - stamp < ${STALE_AFTER_MS} || deadline === 0 || now < deadline + ${GRACE_MS}) return;
  const line = JSON.stringify({
    level: 60, time: now, pid: process.pid, role: 'worker',
    blockedMs: now - stamp,
    msg: 'a handler blocked this worker\\'s event loop past its timeout: the worker kills itself (its supervisor starts a new one)',
  });
  try { writeSync(1, line + '\\n'); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, ${CHECK_MS});
`;

export class EventLoopWatch {
  private readonly shared = new Float64Array(new SharedArrayBuffer(SLOTS * 8));
  private readonly deadlines = new Map<string, number>();
  private thread: Thread | undefined;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.shared[0] = Date.now();
    this.thread = new Thread(THREAD_SOURCE, {
      eval: true,
      workerData: { buffer: this.shared.buffer },
      // A few MB are plenty for a loop that reads two numbers.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
    this.thread.unref();
    this.timer = setInterval(() => (this.shared[0] = Date.now()), TICK_MS);
    this.timer.unref();
  }

  /** A run started; it must be done by `deadline` (ms). */
  runStarted(id: string, deadline: number): void {
    this.deadlines.set(id, deadline);
    const earliest = this.shared[1] as number;
    if (earliest === 0 || deadline < earliest) this.shared[1] = deadline;
  }

  runEnded(id: string): void {
    const deadline = this.deadlines.get(id);
    if (deadline === undefined) return;
    this.deadlines.delete(id);
    if (deadline !== this.shared[1]) return; // the earliest is still running
    let earliest = 0;
    for (const deadline of this.deadlines.values())
      if (earliest === 0 || deadline < earliest) earliest = deadline;
    this.shared[1] = earliest;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.thread?.terminate();
  }
}
