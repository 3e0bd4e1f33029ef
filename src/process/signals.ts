/**
 * Signals a long-running command handles, and why:
 * - SIGTERM (systemd, Supervisor, docker stop) and SIGINT (Ctrl-C): the first starts a
 *   graceful stop; a second one forces it (running jobs are aborted and returned).
 * - SIGHUP: the daemon only: reload the definitions and restart its workers (below).
 * SIGPIPE is not handled: Node ignores it already, and a closed stdout must not stop a job.
 */
export function onStopSignals(
  graceful: (signal: NodeJS.Signals) => void,
  force: (signal: NodeJS.Signals) => void,
): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) graceful(signal);
    else force(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  if (held) {
    const { signals, listener } = held;
    held = undefined;
    process.off('SIGTERM', listener);
    process.off('SIGINT', listener);
    for (const signal of signals) handler(signal);
  }
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

let held: { signals: NodeJS.Signals[]; listener: (signal: NodeJS.Signals) => void } | undefined;

/**
 * Called first thing by a worker process (`jobs work`, `jobs run`), before it loads its
 * modules: a SIGTERM or SIGINT that arrives while it is still starting up is kept and
 * handed to onStopSignals' handler once installed, so the worker stops cleanly (exit 0,
 * no job taken) instead of dying by the signal, Node's default.
 */
export function holdStopSignals(): void {
  if (held) return;
  const signals: NodeJS.Signals[] = [];
  const listener = (signal: NodeJS.Signals) => signals.push(signal);
  held = { signals, listener };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
}

/**
 * SIGHUP to the daemon: the same as `jobs restart` for its own workers (systemd's
 * `ExecReload`). Only the daemon listens; a worker keeps Node's default, which never
 * matters: the pool starts workers detached, so a terminal's hang-up does not reach them.
 */
export function onReloadSignal(reload: () => void): () => void {
  const handler = () => reload();
  process.on('SIGHUP', handler);
  return () => process.off('SIGHUP', handler);
}
