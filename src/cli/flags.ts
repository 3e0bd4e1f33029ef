import {
  checkDuration,
  checkMetricsAddr,
  checkWholeNumber,
  type Checked,
} from '../config/checks.js';
import { UsageError } from '../errors.js';

/**
 * Parsers of flag values for commander. A value that does not parse is a usage error
 * (exit 2) in the same words as the variable it overrides (where that is a configuration
 * error, 78): the checks are config/checks.ts's. They throw our UsageError rather than
 * commander's InvalidArgumentError, whose message commander would rewrap in its own words.
 */
function flagParser<T>(
  flag: string,
  check: (label: string, text: string) => Checked<T>,
): (value: string) => T {
  return (value) => {
    const checked = check(flag, value);
    if (checked.problem !== undefined) throw new UsageError(checked.problem);
    return checked.value as T;
  };
}

/** A whole number ≥ min. */
export function wholeNumberFlag(flag: string, min: number): (value: string) => number {
  return flagParser(flag, (label, text) => checkWholeNumber(label, text, min));
}

/** A duration, as milliseconds. */
export function durationFlag(flag: string): (value: string) => number {
  return flagParser(flag, checkDuration);
}

/** host:port or off. */
export function metricsAddrFlag(flag: string): (value: string) => string {
  return flagParser(flag, checkMetricsAddr);
}

/** commander's collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** host:port (no `off`: the command exists to listen). */
export function addressFlag(flag: string): (value: string) => string {
  return flagParser(flag, (label, text) =>
    text === 'off'
      ? { problem: `${label} '${text}' must be host:port` }
      : checkMetricsAddr(label, text),
  );
}
