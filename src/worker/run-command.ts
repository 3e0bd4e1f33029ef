import { spawn } from 'node:child_process';
import type { Handler } from '../definitions/types.js';
import { CommandFailedError, type CommandSummary } from '../errors.js';
import { settlesWithin } from '../process/deadline.js';
import { OutputLog } from './output-log.js';
import { OutputTail } from './output-tail.js';
import type { RunInput } from './run-input.js';

/** How much of stdout and stderr is kept with a run (SPEC §3). */
export const OUTPUT_TAIL_BYTES = 64 * 1024;
/** Between SIGTERM and SIGKILL to the command's process group, on timeout or forced stop. */
export const KILL_GRACE_MS = 5_000;

export type { CommandSummary };

type CommandHandler = Extract<Handler, { kind: 'command' }>;

/**
 * Runs a command job in its own process group (detached), so that a timeout or a forced
 * stop can end the whole tree it started, not just its first process.
 */
export async function runCommand(
  handler: CommandHandler,
  input: RunInput,
): Promise<CommandSummary> {
  const [file, ...args] = handler.argv;
  const child = spawn(file as string, args, {
    cwd: handler.cwd,
    env: {
      ...process.env,
      ...handler.env,
      JOB_NAME: input.name,
      JOB_ID: input.id,
      JOB_ATTEMPT: String(input.attempt),
      JOB_DATA: JSON.stringify(input.data ?? null),
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // All of each stream is read; its last 64 KiB are kept, its lines logged within a budget.
  const stdout = new OutputTail(OUTPUT_TAIL_BYTES);
  const stderr = new OutputTail(OUTPUT_TAIL_BYTES);
  const stdoutLog = new OutputLog((line) => input.onOutput('stdout', line), OUTPUT_TAIL_BYTES);
  const stderrLog = new OutputLog((line) => input.onOutput('stderr', line), OUTPUT_TAIL_BYTES);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    stdoutLog.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    stderrLog.push(chunk);
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  const killGroup = async () => {
    signalGroup(child.pid, 'SIGTERM');
    const done = await settlesWithin(exited, KILL_GRACE_MS);
    // The group may outlive its leader (a child the command spawned): finish it either way.
    signalGroup(child.pid, 'SIGKILL');
    if (!done) await exited;
  };
  const stopListening = input.abort.onAbort(() => void killGroup());

  try {
    const result = await exited;
    // Streams may lag the exit a little; a grandchild holding them open must not hang us.
    await settlesWithin(streamsClosed(child), 200);
    stdoutLog.end();
    stderrLog.end();
    const summary = { exitCode: result.code ?? -1, stdout: stdout.text(), stderr: stderr.text() };
    if (input.abort.reason) throw input.abort.reason;
    if (result.error) {
      throw new CommandFailedError(
        `command ${describe(handler)} could not start: ${result.error.message}`,
        summary,
      );
    }
    if (result.code !== 0) {
      const how = result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.code}`;
      const last = stderr.lastLine() || stdout.lastLine();
      throw new CommandFailedError(
        `command ${describe(handler)} ${how}${last ? `: ${last}` : ''}`,
        summary,
      );
    }
    return summary;
  } finally {
    stopListening();
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function streamsClosed(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.stdout?.closed && child.stderr?.closed) return resolve();
    child.once('close', () => resolve());
  });
}

function describe(handler: CommandHandler): string {
  const text = handler.shell ? (handler.argv[2] ?? '') : handler.argv.join(' ');
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`;
}
