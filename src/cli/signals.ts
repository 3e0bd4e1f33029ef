/**
 * Signals a long-running command handles, and why:
 * - SIGTERM (systemd, Supervisor, docker stop) and SIGINT (Ctrl-C): the first starts a
 *   graceful stop; a second one forces it (running jobs are aborted and returned).
 * - SIGHUP: handled by the daemon only (reload and restart workers); see start.ts.
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
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
