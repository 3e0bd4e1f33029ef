import type { Settings } from '../config/settings.js';
import { JobsEventBus } from '../events.js';
import { createLogger, type Logger } from './logger.js';
import { logEvents } from './subscribe.js';

/** A long-running process's logger, naming its role, and the event bus that logger follows. */
export function startLogging(
  settings: Readonly<Settings>,
  role: string,
): { log: Logger; bus: JobsEventBus } {
  const log = createLogger(settings.logLevel, { role });
  const bus = new JobsEventBus();
  logEvents(bus, log);
  return { log, bus };
}
