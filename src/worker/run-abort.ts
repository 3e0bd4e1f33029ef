/**
 * What ends a run early: its timeout or a forced stop. Lighter than an AbortController
 * per run (which costs Node more than the rest of a no-op run): the AbortSignal handed to
 * a module is made only when the handler reads `ctx.signal`.
 */
export class RunAbort {
  private controller: AbortController | undefined;
  private listeners: ((reason: Error) => void)[] = [];
  reason: Error | undefined;

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
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(reason);
  }

  /** Calls `listener` once on abort (at once if already aborted); returns its remover. */
  onAbort(listener: (reason: Error) => void): () => void {
    if (this.reason) {
      listener(this.reason);
      return () => undefined;
    }
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((entry) => entry !== listener);
    };
  }
}
