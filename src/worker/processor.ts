import { CommandFailedError, RunStoppedError } from '../errors.js';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { JobDefinition } from '../definitions/types.js';
import { attemptOf, hasRoles, hasRunRules, scheduledTime, startsUsedUp } from './job-facts.js';
import type { JobRef } from '../events.js';
import type { Logger } from '../logging/logger.js';
import { splitHostQueue } from '../schedule/host-queues.js';
import type { RunDecision, RunGuard } from './run-guard.js';
import type { OverlapLease } from './overlap-lock.js';
import { runCommand } from './run-command.js';
import { callModule, ModuleContext, moduleFailure, moduleHandler, toJson } from './run-module.js';
import { attemptsOf } from '../queue/held-runs.js';
import { RunAbort } from './run-abort.js';
import { RunDeadlines } from './run-deadlines.js';
import { createAdmission, failCheck, failUnstarted, type AdmissionDeps } from './admission.js';
import { JobRunInput } from './run-input.js';

export interface ProcessorDeps extends AdmissionDeps {
  log: Logger;
  /** `missed: skip` and `overlap: forbid`; without it every job runs as missed: once, overlap: allow. */
  runGuard?: RunGuard;
  /** Told as each job is taken and let go (skipped ones too), in a try/finally. */
  hooks?: RunHooks;
}

/** The consumers' bookkeeping around every job they take (active counts, the loop watch). */
export interface RunHooks {
  /** `queue`: the job queue (a host or role queue reported as its job queue). */
  taken(queue: string, job: Job, definition: JobDefinition | undefined): void;
  released(queue: string, job: Job): void;
}

/**
 * Turns a BullMQ job into a handler run: finds the definition by the job's name, enforces
 * the timeout, emits the lifecycle events and stores the summary (the return value) or
 * the failure with the output tail. BullMQ calls `processJob` itself, and a plain run (a
 * module job taken from its queue: no tick, no roles, no overlap or missed-run rule) goes
 * from there to its handler in one async function, with one object for its `ctx` and
 * one for its abort: the per-job cost that bare BullMQ is measured against.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { definitions, bus, log, runGuard, returnUncounted, hooks } = deps;
  const known = [...definitions.jobs.keys()].sort().join(', ');
  // Runs in progress and their timeouts, so a timeout or a forced stop can abort them
  // (BullMQ's own per-job signal is not asked for: the processor takes two parameters,
  // which spares an AbortController a run).
  const deadlines = new RunDeadlines();
  const admit = createAdmission(deps);
  // A host's own queue (`default@web-1`, runOn: all) is reported as its job queue, so
  // metric labels stay bounded by the definitions; the job id names the host.
  const baseQueues = new Map<string, string>();
  const baseQueue = (name: string): string => {
    let base = baseQueues.get(name);
    if (base === undefined) {
      base = splitHostQueue(name).base;
      baseQueues.set(name, base);
    }
    return base;
  };

  /**
   * BullMQ's processor. A plain run (not a scheduler's tick, no roles, no overlap or
   * missed-run rule, attempts left) goes straight to runJob: one async function from
   * BullMQ's call to the handler's. Anything else is checked first (checkThenRun).
   */
  function processJob(job: Job, token?: string): Promise<unknown> {
    const queue = baseQueue(job.queueName);
    const definition = definitions.jobs.get(job.name);
    const ref: JobRef = { queue, name: job.name, id: job.id ?? '', attempt: attemptOf(job) };
    const tick = scheduledTime(job);
    hooks?.taken(queue, job, definition);
    const plain =
      tick === undefined &&
      !job.repeatJobKey &&
      !hasRoles(definition) &&
      !rulesApply(definition) &&
      !startsUsedUp(job, ref);
    return plain
      ? runJob(job, token, ref, definition, undefined, undefined, undefined)
      : checkThenRun(job, token, ref, definition, tick);
  }

  /** Whether the job has an overlap or missed-run rule this worker checks. */
  function rulesApply(definition: JobDefinition | undefined): definition is JobDefinition {
    return (
      runGuard !== undefined &&
      definition !== undefined &&
      definition.enabled &&
      hasRunRules(definition)
    );
  }

  async function checkThenRun(
    job: Job,
    token: string | undefined,
    ref: JobRef,
    definition: JobDefinition | undefined,
    tick: number | undefined,
  ): Promise<unknown> {
    // runJob lets the job go (hooks.released) once it has it; until then, this does.
    let handedOver = false;
    try {
      let jitterMs: number | undefined;
      if (tick !== undefined || job.repeatJobKey || hasRoles(definition)) {
        const admission = await admit(job, token, ref, definition, tick);
        if (!admission.run) return admission.outcome;
        jitterMs = admission.jitterMs;
      }
      // Every start counts as an attempt (SPEC §5), also one whose worker vanished before
      // it could say how it ended (BullMQ's stalled check then hands the job out again). A
      // job retried by hand after it failed (its starts all ended) runs, as it was asked to.
      const attempts = attemptsOf(job);
      if (startsUsedUp(job, ref)) {
        return failUnstarted(
          bus,
          ref,
          new UnrecoverableError(
            `not started again: all ${attempts} of its attempts were started, and the last one ended without a result (its worker process died or its host vanished)`,
          ),
          false,
        );
      }
      let lease: OverlapLease | undefined;
      if (rulesApply(definition)) {
        let decision: RunDecision;
        try {
          decision = await (runGuard as RunGuard).decide(job, definition);
        } catch (error) {
          // The overlap or missed-run check could not reach Redis: a failed run, counted as one.
          return failCheck(bus, job, ref, 'check the overlap and missed-run rules', error);
        }
        if (!decision.run) {
          bus.emit('job:skipped', { ...ref, reason: decision.reason });
          return { skipped: 1, reason: decision.reason };
        }
        lease = decision.lease;
      }
      handedOver = true;
      const scheduledAt = ref.attempt === 1 ? tick : undefined;
      return await runJob(job, token, ref, definition, scheduledAt, jitterMs, lease);
    } finally {
      if (!handedOver) hooks?.released(ref.queue, job);
    }
  }

  /** A started run failed: say so, and throw its error on to BullMQ. */
  function runFailed(job: Job, ref: JobRef, startedAt: number, error: unknown): never {
    bus.emit('job:failed', {
      ...ref,
      durationMs: Date.now() - startedAt,
      error: error instanceof Error ? error.message : String(error),
      willRetry: !(error instanceof UnrecoverableError) && ref.attempt < attemptsOf(job),
    });
    throw error;
  }

  async function runJob(
    job: Job,
    token: string | undefined,
    ref: JobRef,
    definition: JobDefinition | undefined,
    scheduledAt: number | undefined,
    jitterMs: number | undefined,
    lease: OverlapLease | undefined,
  ): Promise<unknown> {
    try {
      const startedAt = Date.now();
      // Every field set, in one order: the listeners see one shape of event.
      bus.emit('job:started', {
        queue: ref.queue,
        name: ref.name,
        id: ref.id,
        attempt: ref.attempt,
        startedAt,
        scheduledAt,
        jitterMs: scheduledAt === undefined ? undefined : jitterMs,
      });
      if (!definition) {
        return runFailed(
          job,
          ref,
          startedAt,
          new UnrecoverableError(
            `no job named '${job.name}' in ${definitions.file}; known jobs: ${known || 'none'}`,
          ),
        );
      }
      if (!definition.enabled) {
        const error = new UnrecoverableError(
          `job '${job.name}' is disabled in ${definitions.file}`,
        );
        return runFailed(job, ref, startedAt, error);
      }
      if (definition.queue !== ref.queue) {
        const error = new UnrecoverableError(
          `job '${job.name}' belongs to queue '${definition.queue}', not '${job.queueName}'`,
        );
        return runFailed(job, ref, startedAt, error);
      }

      const abort = new RunAbort(startedAt + definition.timeoutMs, definition.timeoutMs);
      deadlines.add(abort);
      try {
        const handler = definition.handler;
        let summary: unknown;
        if (handler.kind === 'module') {
          const loaded = moduleHandler(handler);
          const run = typeof loaded === 'function' ? loaded : await loaded;
          try {
            const result = callModule(
              run,
              new ModuleContext(job, ref.id, ref.attempt, abort, log),
              abort,
            );
            summary = result instanceof Promise ? await result : result;
          } catch (error) {
            throw moduleFailure(handler, abort, error);
          }
          summary = toJson(summary, handler);
        } else {
          summary = await runCommand(handler, new JobRunInput(job, ref, abort, log, bus));
        }
        bus.emit('job:completed', {
          queue: ref.queue,
          name: ref.name,
          id: ref.id,
          attempt: ref.attempt,
          durationMs: Date.now() - startedAt,
          summary,
        });
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
        return runFailed(job, ref, startedAt, error);
      } finally {
        deadlines.delete(abort);
      }
    } finally {
      // The job is let go after its lease: the active counts cover the whole take.
      try {
        if (lease) await lease.release();
      } finally {
        hooks?.released(ref.queue, job);
      }
    }
  }

  /** A forced stop: abort every run in progress; each goes back to the queue. */
  function abortAll(): void {
    deadlines.abortAll(
      () => new RunStoppedError('stopped: the worker shut down before the run finished'),
    );
  }

  return Object.assign(processJob, { abortAll });
}
