import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { alertRules, DEPLOY, testedAlerts } from '../helpers/deploy-files.js';

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/prometheus', () => {
  it('alerts.yml passes promtool check rules', () => {
    const result = promtool('check', 'rules', DEPLOY.alerts);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('alerts.test.yml passes promtool test rules', () => {
    const result = promtool('test', 'rules', DEPLOY.alertTests);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('has a rule test for every alert', () => {
    const alerts = alertRules().map((rule) => rule.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    const tested = testedAlerts();
    expect(alerts.filter((alert) => !tested.has(alert))).toEqual([]);
  });

  it('prometheus.yml passes promtool check config', () => {
    const result = promtool('check', 'config', '--syntax-only', DEPLOY.prometheus);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
