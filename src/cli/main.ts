#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { EXIT } from '../errors.js';
import { ENVIRONMENT } from '../config/environment.js';
import { loadDotenvOnce } from '../config/settings.js';
import { flushAndExit, reportFailure } from '../process/exit.js';
import { holdStopSignals } from '../process/signals.js';
import { sayEvictionWarningOnce } from '../redis/eviction-warning.js';
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

type Register = (program: Command) => void;

/**
 * One file a command under commands/, each parse → call → print. Each is imported only
 * when it runs: a one-shot command must not pay for loading the daemon, the metrics and
 * the YAML and schema libraries (start-up time is most of a `jobs failed`).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  start: async () => (await import('./commands/start.js')).registerStart,
  work: async () => (await import('./commands/work.js')).registerWork,
  run: async () => (await import('./commands/run.js')).registerRun,
  restart: async () => (await import('./commands/restart.js')).registerRestart,
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  'run-job': async () => (await import('./commands/run-job.js')).registerRunJob,
  list: async () => (await import('./commands/list.js')).registerList,
  pending: async () => (await import('./commands/pending.js')).registerPending,
  failed: async () => (await import('./commands/failed.js')).registerFailed,
  retry: async () => (await import('./commands/retry.js')).registerRetry,
  prune: async () => (await import('./commands/prune.js')).registerPrune,
  history: async () => (await import('./commands/history.js')).registerHistory,
  pause: async () => (await import('./commands/pause.js')).registerPause,
  resume: async () => (await import('./commands/pause.js')).registerPause,
  status: async () => (await import('./commands/status.js')).registerStatus,
  disable: async () => (await import('./commands/switch.js')).registerSwitch,
  enable: async () => (await import('./commands/switch.js')).registerSwitch,
  remove: async () => (await import('./commands/remove.js')).registerRemove,
  web: async () => (await import('./commands/web.js')).registerWeb,
};

/** The command word in argv (skipping global options), if it names a known command. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--config') i++;
    else if (!arg.startsWith('-')) return Object.hasOwn(COMMANDS, arg) ? arg : undefined;
  }
  return undefined;
}

/** `jobs --version` needs no command (help and suggestions need them all). */
function isVersionOnly(argv: readonly string[]): boolean {
  return argv.slice(2).some((arg) => arg === '--version' || arg === '-V');
}

/** commander's error lines are printed by exitCodeFor, in our one-line style, not by commander. */
const QUIET_ERRORS = { outputError: () => undefined };

/** Builds the `jobs` program with the command being run, or all of them for help and suggestions. */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('jobs')
    .description('Run background jobs on cron and interval schedules, with a worker pool on Redis.')
    .version(version)
    .option(
      '--config <file>',
      `the definitions file (env JOBS_CONFIG, default ${ENVIRONMENT.JOBS_CONFIG.default})`,
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(QUIET_ERRORS);
  const word = commandWord(argv);
  const loaders = word
    ? [COMMANDS[word] as () => Promise<Register>]
    : isVersionOnly(argv)
      ? []
      : [...new Set(Object.values(COMMANDS))];
  const registered = new Set<Register>();
  for (const register of await Promise.all(loaders.map((load) => load()))) {
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }
  for (const command of program.commands) {
    command.exitOverride().showSuggestionAfterError(true).configureOutput(QUIET_ERRORS);
  }
  return program;
}

/** Where the CLI turns errors into exit codes: its usage errors here, the rest in process/exit.ts. */
async function main(argv: string[]): Promise<void> {
  const word = commandWord(argv);
  if (word === 'work' || word === 'run') holdStopSignals();
  sayEvictionWarningOnce(word);
  loadDotenvOnce();
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    process.exitCode = EXIT.ok;
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    )
      return EXIT.ok;
    // `jobs` alone: commander printed the help to stderr, which says it all.
    if (error.code !== 'commander.help') process.stderr.write(`jobs: ${commanderLine(error)}\n`);
    return EXIT.usage;
  }
  return reportFailure(error);
}

/**
 * commander's message as one line: `unknown command 'faild' (Did you mean failed?)`. Its
 * suggestion comes on a line of its own, and every message starts with `error: `.
 */
function commanderLine(error: CommanderError): string {
  return error.message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

await main(process.argv);
// Long-running commands resolve when they have stopped; one-shot ones when done.
await flushAndExit();
