import { CommandFailedError, errorMessage, RunStoppedError, RunTimeoutError } from '../errors.js';
import { parseTickJobId, tickJobId } from '../redis/keys.js';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { formatDuration } from '../definitions/duration.js';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import type { JobsEventBus, JobRef } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { splitHostQueue } from '../hosts/host-queues.js';
import type { PauseGuard } from './pause-guard.js';
import type { RunDecision, RunGuard } from './run-guard.js';
import type { RoleDecision, RoleGuard } from './role-guard.js';
import { runCommand } from './run-command.js';
import { runModule } from './run-module.js';
import { attemptsOf } from '../queue/held-runs.js';
import { RunAbort } from './run-abort.js';
import { JITTER_SLACK_MS, jitterOffsetMs } from './jitter.js';
import type { RunInput } from './run-input.js';
import { skipReason, type OperatorSwitch } from '../schedule/job-switch.js';

export interface ProcessorDeps {
  definitions: Definitions;
  bus: JobsEventBus;
  log: Logger;
  /** Skips the ticks that fell in a pause (`jobs pause`); without it every tick runs. */
  pauseGuard?: PauseGuard;
  /** `missed: skip` and `overlap: forbid`; without it every job runs as missed: once, overlap: allow. */
  runGuard?: RunGuard;
  /**
   * The operator's switch of a job (`jobs disable`), read once for each take of a tick;
   * without it no tick is skipped for it.
   */
  readSwitch?: (name: string) => Promise<OperatorSwitch | undefined>;
  /** `roles`: run here, hand to a host with a role, or skip; without it every job runs here. */
  roleGuard?: RoleGuard;
  /**
   * Puts a run back in the queue, due at `dueAt` (default: now), its start not counted;
   * without it a stopped run fails and `jitter` is not applied.
   */
  returnUncounted?: (job: Job, token: string, dueAt?: number) => Promise<void>;
}

/**
 * Turns a BullMQ job into a handler run: finds the definition by the job's name, enforces
 * the timeout, emits the lifecycle events and stores the summary (the return value) or
 * the failure with the output tail.
 */
export function createProcessor({
  definitions,
  bus,
  log,
  pauseGuard,
  runGuard,
  readSwitch,
  roleGuard,
  returnUncounted,
}: ProcessorDeps) {
  const known = [...definitions.jobs.keys()].sort().join(', ');

  // Runs in progress, so a forced stop can abort them (BullMQ's own per-job signal is not
  // asked for: the processor takes two parameters, which spares an AbortController a run).
  const running = new Set<RunAbort>();

  async function processJob(job: Job, token?: string): Promise<unknown> {
    // A host's own queue (`default@web-1`, runOn: all) is reported as its job queue, so
    // metric labels stay bounded by the definitions; the job id names the host.
    const queue = splitHostQueue(job.queueName).base;
    const ref: JobRef = {
      queue,
      name: job.name,
      id: job.id ?? '',
      attempt: attemptOf(job),
    };
    // Only a scheduler's tick can fall in a pause: other jobs skip the check (and its await).
    const skipped = job.repeatJobKey
      ? await findSkippedTicks(pauseGuard, job, definitions)
      : undefined;
    if (skipped) {
      for (const tick of skipped) {
        const id = tickJobId(job.repeatJobKey ?? '', tick);
        bus.emit('job:skipped', { ...ref, id, reason: 'queue paused' });
      }
      return { skipped: skipped.length, reason: 'queue paused' };
    }
    const definition = definitions.jobs.get(job.name);
    const jitterMs = jitterOf(job, definition);
    if (jitterMs !== undefined && token && returnUncounted) {
      const startAt = (scheduledTime(job) as number) + jitterMs;
      if (Date.now() < startAt - JITTER_SLACK_MS) {
        // Taken at its due time, which made BullMQ create the next tick; now it waits
        // for its own start, this take not counted as an attempt.
        await returnUncounted(job, token, startAt);
        throw new DelayedError();
      }
    }
    // Only scheduler ticks (a retry of one included) obey the switch, after their jitter
    // wait and before a role hand-over; other runs were asked for by someone, and pay no read.
    if (readSwitch && scheduledTime(job) !== undefined) {
      let operatorSwitch: OperatorSwitch | undefined;
      try {
        operatorSwitch = await readSwitch(job.name);
      } catch (error) {
        // As for the overlap rule: a switch that cannot be read must not let a disabled job run.
        const message = `could not check whether an operator disabled it: ${errorMessage(error)}`;
        return failUnstarted(
          ref,
          new Error(message, { cause: error }),
          ref.attempt < attemptsOf(job),
        );
      }
      if (operatorSwitch) {
        const reason = skipReason(operatorSwitch.reason);
        bus.emit('job:skipped', { ...ref, reason });
        return { skipped: 1, reason };
      }
    }
    if (definition?.enabled && definition.roles.length > 0 && roleGuard) {
      let roles: RoleDecision;
      try {
        roles = await roleGuard.decide(job, definition);
      } catch (error) {
        const message = `could not tell which live host has its roles: ${errorMessage(error)}`;
        return failUnstarted(
          ref,
          new Error(message, { cause: error }),
          ref.attempt < attemptsOf(job),
        );
      }
      if (roles.action === 'skip') {
        bus.emit('job:skipped', { ...ref, reason: roles.reason });
        return { skipped: 1, reason: roles.reason };
      }
      if (roles.action === 'forward') {
        // Not a run: the tick's run is the forwarded job's, recorded where it runs.
        await roleGuard.forward(job, roles.queue);
        return { forwarded: roles.queue };
      }
    }
    // Every start counts as an attempt (SPEC §5), also one whose worker vanished before it
    // could say how it ended (BullMQ's stalled check then hands the job out again). A job
    // retried by hand after it failed (its starts all ended) runs, as it was asked to.
    const attempts = attemptsOf(job);
    const lostStarts = ref.attempt - 1 - job.attemptsMade;
    if (ref.attempt > attempts && lostStarts > 0) {
      return failUnstarted(
        ref,
        new UnrecoverableError(
          `not started again: all ${attempts} of its attempts were started, and the last one ended without a result (its worker process died or its host vanished)`,
        ),
        false,
      );
    }
    // Most jobs have neither rule: they run at once, with no await and no lease.
    if (!definition?.enabled || !runGuard || !hasRunRules(definition))
      return runJob(job, token, ref, definition, jitterMs);
    let decision: RunDecision;
    try {
      decision = await runGuard.decide(job, definition);
    } catch (error) {
      // The overlap or missed-run check could not reach Redis: a failed run, counted as one.
      const message = `could not check the overlap and missed-run rules: ${errorMessage(error)}`;
      return failUnstarted(ref, new Error(message, { cause: error }), ref.attempt < attempts);
    }
    if (!decision.run) {
      bus.emit('job:skipped', { ...ref, reason: decision.reason });
      return { skipped: 1, reason: decision.reason };
    }
    const lease = decision.lease;
    if (!lease) return runJob(job, token, ref, definition, jitterMs);
    try {
      return await runJob(job, token, ref, definition, jitterMs);
    } finally {
      await lease.release();
    }
  }

  /** A run that fails before its handler starts: still a start and a failure, in that order. */
  function failUnstarted(ref: JobRef, error: Error, willRetry: boolean): never {
    const startedAt = Date.now();
    bus.emit('job:started', { ...ref, startedAt, scheduledAt: undefined });
    bus.emit('job:failed', { ...ref, durationMs: 0, error: error.message, willRetry });
    throw error;
  }

  async function runJob(
    job: Job,
    token: string | undefined,
    ref: JobRef,
    definition: JobDefinition | undefined,
    jitterMs: number | undefined,
  ): Promise<unknown> {
    const startedAt = Date.now();
    const scheduledAt = ref.attempt === 1 ? scheduledTime(job) : undefined;
    bus.emit('job:started', {
      ...ref,
      startedAt,
      scheduledAt,
      ...(scheduledAt !== undefined && jitterMs !== undefined ? { jitterMs } : {}),
    });
    const finish = (error: unknown): never => {
      const durationMs = Date.now() - startedAt;
      const message = error instanceof Error ? error.message : String(error);
      const unrecoverable = error instanceof UnrecoverableError;
      bus.emit('job:failed', {
        ...ref,
        durationMs,
        error: message,
        willRetry: !unrecoverable && ref.attempt < attemptsOf(job),
      });
      throw error;
    };

    if (!definition) {
      return finish(
        new UnrecoverableError(
          `no job named '${job.name}' in ${definitions.file}; known jobs: ${known || 'none'}`,
        ),
      );
    }
    if (!definition.enabled) {
      return finish(new UnrecoverableError(`job '${job.name}' is disabled in ${definitions.file}`));
    }
    if (definition.queue !== ref.queue) {
      return finish(
        new UnrecoverableError(
          `job '${job.name}' belongs to queue '${definition.queue}', not '${job.queueName}'`,
        ),
      );
    }

    const abort = new RunAbort();
    running.add(abort);
    const timer = setTimeout(
      () =>
        abort.abort(
          new RunTimeoutError(
            `timed out after ${formatDuration(definition.timeoutMs)} (the job's timeout)`,
          ),
        ),
      definition.timeoutMs,
    );

    const input = new JobRunInput(job, ref, abort, log, bus);
    try {
      const summary =
        definition.handler.kind === 'command'
          ? await runCommand(definition.handler, input)
          : await runModule(definition.handler, input);
      bus.emit('job:completed', { ...ref, durationMs: Date.now() - startedAt, summary });
      return summary;
    } catch (error) {
      if (error instanceof CommandFailedError) {
        await job.log(JSON.stringify(error.summary)).catch(() => undefined);
      }
      if (error instanceof RunStoppedError && token && returnUncounted) {
        // Back to the queue, eligible at once, with this attempt not counted (SPEC §5).
        await returnUncounted(job, token);
        bus.emit('job:returned', { ...ref, reason: 'worker stopped' });
        throw new DelayedError();
      }
      return finish(error);
    } finally {
      clearTimeout(timer);
      running.delete(abort);
    }
  }

  /** A forced stop: abort every run in progress; each goes back to the queue. */
  function abortAll(): void {
    for (const abort of running) {
      abort.abort(new RunStoppedError('stopped: the worker shut down before the run finished'));
    }
  }

  return Object.assign(processJob, { abortAll });
}

/** Whether RunGuard has anything to check for this job: `missed: skip` or `overlap: forbid`. */
function hasRunRules(definition: JobDefinition): boolean {
  return definition.missed === 'skip' || definition.overlap === 'forbid';
}

async function findSkippedTicks(
  guard: PauseGuard | undefined,
  job: Job,
  definitions: Definitions,
): Promise<number[] | undefined> {
  if (!guard) return undefined;
  try {
    return await guard.findSkippedTicks(job, definitions.jobs.get(job.name));
  } catch {
    return undefined; // cannot tell (Redis hiccup): run the tick rather than lose it
  }
}

/**
 * What a handler runner gets to know of a BullMQ job. A class, not an object literal with
 * a getter: V8 gives every literal whose accessor closures differ a map of its own and
 * turns it into a dictionary, kilobytes a run.
 */
class JobRunInput implements RunInput {
  readonly name: string;
  readonly id: string;
  readonly data: unknown;
  readonly attempt: number;
  #childLog: Logger | undefined;

  constructor(
    private readonly job: Job,
    private readonly ref: JobRef,
    readonly abort: RunAbort,
    private readonly parentLog: Logger,
    private readonly bus: JobsEventBus,
  ) {
    this.name = job.name;
    this.id = ref.id;
    this.data = job.data;
    this.attempt = ref.attempt;
  }

  // A child logger costs a little per run; most handlers never log, so make it on first use.
  get log(): Logger {
    this.#childLog ??= this.parentLog.child({ job: this.name, id: this.id });
    return this.#childLog;
  }

  progress(value: number | object): Promise<void> {
    return this.job.updateProgress(value);
  }

  onOutput(stream: 'stdout' | 'stderr', line: string): void {
    this.bus.emit('job:output', { ...this.ref, stream, line });
  }
}

/**
 * This tick's jitter, when its job has one and this is the tick's first try (a retry
 * starts when its backoff says, a run recovered after a crash at once).
 */
function jitterOf(job: Job, definition: JobDefinition | undefined): number | undefined {
  if (!definition?.jitterMs || job.attemptsMade > 0) return undefined;
  if (scheduledTime(job) === undefined) return undefined;
  return jitterOffsetMs(job.id as string, definition.jitterMs);
}

/**
 * The time a scheduler's tick was due, from its job id; a tick forwarded to a role queue
 * (role-guard.ts) keeps its id, so its lag and jitter are counted from the same time.
 */
function scheduledTime(job: Job): number | undefined {
  if (!job.id) return undefined;
  return parseTickJobId(job.id)?.tick;
}

/**
 * This start's number: BullMQ counts starts (`attemptsStarted`) when it hands a job out,
 * including starts whose worker died; a job from before that counter falls back on the
 * finished attempts.
 */
function attemptOf(job: Job): number {
  return job.attemptsStarted > 0 ? job.attemptsStarted : job.attemptsMade + 1;
}
