import type { Command } from 'commander';
import { loadSettings } from '../../config/settings.js';
import { loadDefinitions } from '../../definitions/load.js';
import { environmentHelp } from '../environment-help.js';
import { printJson } from '../output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the definitions file only; exit 0, or 78 listing every error')
    .option('--json', 'print the validated definitions as JSON')
    .addHelpText('after', environmentHelp('validate'))
    .action(async (flags: { json?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<{ config?: string }>();
      const settings = loadSettings({ config: global.config });
      const definitions = await loadDefinitions(settings.configPath);
      if (flags.json) {
        printJson({ file: definitions.file, jobs: [...definitions.jobs.values()] });
      } else {
        process.stdout.write(
          `${definitions.file}: ${definitions.jobs.size} job${definitions.jobs.size === 1 ? '' : 's'}, valid\n`,
        );
      }
    });
}
