import { describe, expect, it } from 'vitest';
import { ConfigError, EXIT } from '../../src/errors.js';
import { parseAddress } from '../../src/metrics/server.js';

describe('parseAddress', () => {
  it('splits host and port, IPv6 without its brackets', () => {
    expect(parseAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseAddress('0.0.0.0:65535')).toEqual({ host: '0.0.0.0', port: 65535 });
  });

  it.each([
    ['9464', 'no host'],
    [':9464', 'an empty host'],
    ['[]:9464', 'empty brackets'],
    ['localhost:http', 'a port that is not a number'],
    ['localhost:65536', 'a port over 65535'],
    ['localhost:-1', 'a negative port'],
    ['localhost:94.5', 'a fractional port'],
  ])('refuses %s (%s) as a configuration error, exit 78', (address) => {
    let thrown: unknown;
    try {
      parseAddress(address);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(
      `metrics address '${address}' must be host:port or off`,
    );
    expect((thrown as ConfigError).exitCode).toBe(EXIT.config);
  });
});
