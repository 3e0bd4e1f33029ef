/**
 * Time limits for waiting on things that may never finish: a close that waits for a Redis
 * that went away, a child process that ignores SIGTERM, a command with no answer. Each
 * timer is cleared as soon as the wait is over, so a quick close leaves nothing behind.
 */

/** Whether `work` settles (either way) within `ms`. Never rejects. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = work.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts every closer at once and waits until all have settled or `ms` has passed, so
 * that a stop always ends. A closer that throws or rejects is passed over: whatever it
 * held is let go of by the caller's last step (a `disconnect()`, the process's exit).
 */
export async function closeWithin(ms: number, ...closers: (() => unknown)[]): Promise<void> {
  await settlesWithin(
    Promise.allSettled(closers.map((close) => Promise.resolve().then(close))),
    ms,
  );
}

/** `work`'s result, or a rejection with `message` once `ms` has passed without one. */
export async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
