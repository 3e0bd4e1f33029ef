import { DelayedError, type Job } from 'bullmq';
import type { Definitions, JobDefinition } from '../definitions/types.js';
import { errorMessage } from '../errors.js';
import type { JobRef, JobsEventBus } from '../events.js';
import { attemptsOf } from '../queue/held-runs.js';
import { tickJobId } from '../redis/keys.js';
import { skipReason, type OperatorSwitch } from '../schedule/job-switch.js';
import { JITTER_SLACK_MS } from './jitter.js';
import { findSkippedTicks, hasRoles, jitterOf } from './job-facts.js';
import type { PauseGuard } from './pause-guard.js';
import type { RoleDecision, RoleGuard } from './role-guard.js';

/** What the checks before a run decided: its outcome (skipped, forwarded), or run it. */
export type Admission =
  { outcome: unknown; run?: undefined } | { run: true; jitterMs: number | undefined };

/** What the checks read; each guard left out lets every job through its check. */
export interface AdmissionDeps {
  definitions: Definitions;
  bus: JobsEventBus;
  /** Skips the ticks that fell in a pause (`jobs pause`); without it every tick runs. */
  pauseGuard?: PauseGuard;
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
  /**
   * Whether this take of a scheduler's tick is a second copy of one that ran or runs
   * (tick-copies.ts); without it a tick BullMQ enqueues twice runs twice.
   */
  isSecondCopy?: (job: Job) => Promise<boolean>;
}

/**
 * The checks a scheduler's tick, or a job with roles, passes before the processor runs
 * it, in this order: a pause, one copy per tick, its jitter, the operator's switch, its
 * roles. Each either lets the run go on or decides its outcome without running it.
 */
export function createAdmission({
  definitions,
  bus,
  pauseGuard,
  readSwitch,
  roleGuard,
  returnUncounted,
  isSecondCopy,
}: AdmissionDeps) {
  async function admit(
    job: Job,
    token: string | undefined,
    ref: JobRef,
    definition: JobDefinition | undefined,
    tick: number | undefined,
  ): Promise<Admission> {
    // Only a scheduler's tick can fall in a pause: other jobs skip the check (and its await).
    const skipped = job.repeatJobKey
      ? await findSkippedTicks(pauseGuard, job, definitions)
      : undefined;
    if (skipped) {
      for (const skippedTick of skipped) {
        const id = tickJobId(job.repeatJobKey ?? '', skippedTick);
        bus.emit('job:skipped', { ...ref, id, reason: 'queue paused' });
      }
      return { outcome: { skipped: skipped.length, reason: 'queue paused' } };
    }
    if (isSecondCopy && job.repeatJobKey && (await copyOfTakenTick(job, isSecondCopy))) {
      // Not a run and not a skip: the tick ran (or runs) as its first copy, recorded there.
      bus.emit('job:duplicate', ref);
      return { outcome: { duplicate: 1 } };
    }
    const jitterMs = jitterOf(job, definition, tick);
    if (jitterMs !== undefined && tick !== undefined && token && returnUncounted) {
      const startAt = tick + jitterMs;
      if (Date.now() < startAt - JITTER_SLACK_MS) {
        // Taken at its due time, which made BullMQ create the next tick; now it waits
        // for its own start, this take not counted as an attempt.
        await returnUncounted(job, token, startAt);
        throw new DelayedError();
      }
    }
    // Only scheduler ticks (a retry of one included) obey the switch, after their jitter
    // wait and before a role hand-over; other runs were asked for by someone, and pay no read.
    if (readSwitch && tick !== undefined) {
      let operatorSwitch: OperatorSwitch | undefined;
      try {
        operatorSwitch = await readSwitch(job.name);
      } catch (error) {
        // As for the overlap rule: a switch that cannot be read must not let a disabled job run.
        return failCheck(bus, job, ref, 'check whether an operator disabled it', error);
      }
      if (operatorSwitch) {
        const reason = skipReason(operatorSwitch.reason);
        bus.emit('job:skipped', { ...ref, reason });
        return { outcome: { skipped: 1, reason } };
      }
    }
    if (definition && hasRoles(definition) && roleGuard) {
      let roles: RoleDecision;
      try {
        roles = await roleGuard.decide(job, definition);
      } catch (error) {
        return failCheck(bus, job, ref, 'tell which live host has its roles', error);
      }
      if (roles.action === 'skip') {
        bus.emit('job:skipped', { ...ref, reason: roles.reason });
        return { outcome: { skipped: 1, reason: roles.reason } };
      }
      if (roles.action === 'forward') {
        // Not a run: the tick's run is the forwarded job's, recorded where it runs.
        await roleGuard.forward(job, roles.queue);
        return { outcome: { forwarded: roles.queue } };
      }
    }
    return { run: true, jitterMs };
  }
  return admit;
}

async function copyOfTakenTick(
  job: Job,
  isSecondCopy: (job: Job) => Promise<boolean>,
): Promise<boolean> {
  try {
    return await isSecondCopy(job);
  } catch {
    return false; // cannot tell (Redis hiccup): run the tick rather than lose it
  }
}

/**
 * A check before a run could not be made (Redis away): the run fails, as an attempt, so
 * that a check that cannot be read never lets through a run it should stop.
 */
export function failCheck(
  bus: JobsEventBus,
  job: Job,
  ref: JobRef,
  what: string,
  error: unknown,
): never {
  const message = `could not ${what}: ${errorMessage(error)}`;
  return failUnstarted(
    bus,
    ref,
    new Error(message, { cause: error }),
    ref.attempt < attemptsOf(job),
  );
}

/** A run that fails before its handler starts: still a start and a failure, in that order. */
export function failUnstarted(
  bus: JobsEventBus,
  ref: JobRef,
  error: Error,
  willRetry: boolean,
): never {
  const startedAt = Date.now();
  bus.emit('job:started', { ...ref, startedAt, scheduledAt: undefined });
  bus.emit('job:failed', { ...ref, durationMs: 0, error: error.message, willRetry });
  throw error;
}
