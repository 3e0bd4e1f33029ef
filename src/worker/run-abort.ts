/**
 * What ends a run early: its timeout or a forced stop. Lighter than an AbortController
 * per run (which costs Node more than the rest of a no-op run): the AbortSignal handed to
 * a module is made only when the handler reads `ctx.signal`. Its timeout is not a timer
 * of its own: RunDeadlines (run-deadlines.ts) keeps one timer for all runs.
 */
export class RunAbort {
  private controller: AbortController | undefined;
  /** Most runs have one listener (the module race, or the command's kill): no array. */
  private listener: ((reason: Error) => void) | undefined;
  private more: ((reason: Error) => void)[] | undefined;
  reason: Error | undefined;

  /**
   * @param deadline when the run times out (ms since the epoch)
   * @param timeoutMs the job's timeout, for the message
   */
  constructor(
    readonly deadline = Infinity,
    readonly timeoutMs = Infinity,
  ) {}

  get aborted(): boolean {
    return this.reason !== undefined;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    const first = this.listener;
    const more = this.more;
    this.listener = undefined;
    this.more = undefined;
    first?.(reason);
    if (more) for (const listener of more) listener(reason);
  }

  /** Calls `listener` once on abort (at once if already aborted); returns its remover. */
  onAbort(listener: (reason: Error) => void): () => void {
    if (this.reason) {
      listener(this.reason);
      return () => undefined;
    }
    if (!this.listener) {
      this.listener = listener;
      return () => {
        if (this.listener === listener) this.listener = undefined;
      };
    }
    (this.more ??= []).push(listener);
    return () => {
      this.more = this.more?.filter((entry) => entry !== listener);
    };
  }
}
