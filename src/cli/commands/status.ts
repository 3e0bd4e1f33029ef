import type { Command } from 'commander';
import {
  readHeartbeats,
  type CurrentJob,
  type ProcessBeat,
  type WorkerSummary,
} from '../../heartbeat/heartbeat.js';
import { countQueues } from '../../queue/inspect.js';
import { withContext } from '../context.js';
import { liveRolesOf, unservedReason } from '../../schedule/host-roles.js';
import { environmentHelp } from '../environment-help.js';
import { formatAge, isoTime, printJson } from '../output.js';
import { printTable } from '../table.js';

interface StatusFlags {
  json?: boolean;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'live daemons and workers on every host (from their heartbeats), and the count of jobs in each queue',
    )
    .option('--json', 'print one JSON document')
    .addHelpText('after', environmentHelp('status'))
    .action((flags: StatusFlags, command: Command) =>
      withContext(command, async (context) => {
        const processes = await readHeartbeats(context.client, context.prefix);
        const live = liveRolesOf(processes);
        const unserved = [...(await context.stored()).values()].flatMap((definition) => {
          const reason = unservedReason(definition, live);
          return reason ? [{ name: definition.name, roles: definition.roles ?? [], reason }] : [];
        });
        const queues = await countQueues(
          context.client,
          context.prefix,
          await context.queueNames(),
        );
        if (flags.json)
          return printJson({ processes: processes.map(beatToJson), queues, unserved });
        if (processes.length === 0) process.stdout.write('no live daemon or worker\n');
        else
          printTable(
            [
              'HOST',
              'PID',
              'ROLE',
              'STATE',
              'VERSION',
              'UPTIME',
              'JOBS DONE',
              'HOST ROLES',
              'CURRENT JOB',
            ],
            processes.map((beat) => [
              beat.host,
              beat.pid,
              describeRole(beat),
              describeState(beat),
              beat.version,
              formatAge(beat.startedAt),
              beat.role === 'worker' ? beat.jobsDone : '-',
              beat.roles?.join(',') || '-',
              beat.current
                .map((job) => `${job.name} ${job.id} (${formatAge(job.since)})`)
                .join('\n') || '-',
            ]),
          );
        process.stdout.write('\n');
        printTable(
          ['QUEUE', 'PAUSED', 'WAITING', 'ACTIVE', 'DELAYED', 'PRIORITIZED', 'FAILED', 'COMPLETED'],
          queues.map((q) => [
            q.queue,
            q.paused ? 'yes' : 'no',
            q.waiting,
            q.active,
            q.delayed,
            q.prioritized,
            q.failed,
            q.completed,
          ]),
        );
        if (unserved.length > 0) {
          process.stdout.write('\n');
          printTable(
            ['JOB', 'ROLES', 'NOT RUN'],
            unserved.map((job) => [job.name, job.roles.join(','), job.reason]),
          );
        }
      }),
    );
}

/** A heartbeat in --json, its times in ISO-8601. */
function beatToJson(beat: ProcessBeat): Record<string, unknown> {
  return {
    ...beat,
    startedAt: isoTime(beat.startedAt),
    beatAt: isoTime(beat.beatAt),
    ...(beat.blockedSince !== undefined ? { blockedSince: isoTime(beat.blockedSince) } : {}),
    current: beat.current.map(jobToJson),
    ...(beat.workers ? { workers: beat.workers.map(workerToJson) } : {}),
  };
}

function workerToJson(worker: WorkerSummary): Record<string, unknown> {
  return {
    ...worker,
    startedAt: isoTime(worker.startedAt),
    ...(worker.blockedSince !== undefined ? { blockedSince: isoTime(worker.blockedSince) } : {}),
    ...(worker.jobs ? { jobs: worker.jobs.map(jobToJson) } : {}),
  };
}

function jobToJson(job: CurrentJob): Record<string, unknown> {
  return { ...job, since: isoTime(job.since) };
}

/** A worker's state; a blocked one says since when (its handler holds the event loop). */
function describeState(beat: ProcessBeat): string {
  if (beat.role !== 'worker') return '-';
  if (beat.state === 'blocked' && beat.blockedSince !== undefined)
    return `BLOCKED for ${formatAge(beat.blockedSince)}`;
  return beat.state ?? (beat.current.length > 0 ? 'busy' : 'idle');
}

function describeRole(beat: ProcessBeat): string {
  return beat.parentPid ? `${beat.role} of ${beat.parentPid}` : beat.role;
}
