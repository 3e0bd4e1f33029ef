import type { Command } from 'commander';
import { loadSettings } from '../../config/settings.js';
import { JobsEventBus } from '../../events.js';
import { createLogger } from '../../logging/logger.js';
import { logEvents } from '../../logging/subscribe.js';
import { onStopSignals } from '../../process/signals.js';
import { StandaloneWeb } from '../../web/standalone.js';
import { environmentHelp } from '../environment-help.js';
import { addressFlag } from '../flags.js';

/** Beside the daemon's 9464: both can run on one host. */
export const DEFAULT_WEB_ADDR = '127.0.0.1:9465';

export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('serve the admin page and its HTTP API without a daemon, until SIGTERM or SIGINT')
    .option('--addr <host:port>', 'address to listen on', addressFlag('--addr'), DEFAULT_WEB_ADDR)
    .addHelpText('after', environmentHelp('web'))
    .action(async (flags: { addr: string }, command: Command) => {
      const global = command.optsWithGlobals<{ config?: string }>();
      const settings = loadSettings({ config: global.config });
      const log = createLogger(settings.logLevel, { role: 'web' });
      const bus = new JobsEventBus();
      logEvents(bus, log);
      const web = new StandaloneWeb(settings, flags.addr);
      const stopped = new Promise<void>((resolve) => {
        onStopSignals(
          () => void web.stop().then(resolve),
          () => resolve(),
        );
      });
      const url = await web.start();
      bus.emit('web:serving', { url, access: web.mode });
      await stopped;
      log.info('admin page stopped');
    });
}
