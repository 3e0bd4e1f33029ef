import { readFileSync } from 'node:fs';

/**
 * The version of jobs-daemon this process loaded, read once at start from package.json
 * (two levels up from src/process/ and from dist/'s folders alike). Each process's
 * heartbeat carries it, so `jobs status` shows which processes run a deployed upgrade.
 */
export const PACKAGE_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
