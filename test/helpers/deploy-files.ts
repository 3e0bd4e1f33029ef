import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The files operators install from deploy/, as the tests read them. */
export const DEPLOY = {
  prometheus: fileURLToPath(new URL('../../deploy/prometheus/prometheus.yml', import.meta.url)),
  alerts: fileURLToPath(new URL('../../deploy/prometheus/alerts.yml', import.meta.url)),
  alertTests: fileURLToPath(new URL('../../deploy/prometheus/alerts.test.yml', import.meta.url)),
  dashboard: fileURLToPath(new URL('../../deploy/grafana/jobs-dashboard.json', import.meta.url)),
};

interface AlertsFile {
  groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
}

interface AlertTestsFile {
  tests: {
    input_series?: { series: string }[];
    alert_rule_test?: { alertname: string }[];
  }[];
}

export function alertRules(): { alert: string; expr: string }[] {
  const file = parse(readFileSync(DEPLOY.alerts, 'utf8')) as AlertsFile;
  return file.groups.flatMap((group) =>
    group.rules.flatMap((rule) => (rule.alert ? [{ alert: rule.alert, expr: rule.expr }] : [])),
  );
}

/** Alert names that alerts.test.yml has an alert_rule_test for. */
export function testedAlerts(): Set<string> {
  const file = parse(readFileSync(DEPLOY.alertTests, 'utf8')) as AlertTestsFile;
  return new Set(file.tests.flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname)));
}

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
export function dashboardExpressions(): string[] {
  const expressions: string[] = [];
  // Walk the whole document: panels nest in rows, and queries hide in several fields.
  const visit = (node: unknown, key?: string): void => {
    if (typeof node === 'string') {
      if (key === 'expr' || key === 'definition' || key === 'query') expressions.push(node);
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(v, k);
    }
  };
  visit(JSON.parse(readFileSync(DEPLOY.dashboard, 'utf8')));
  return expressions;
}

/** Our metric names in PromQL text (series Prometheus makes itself, such as `up`, left out). */
export function metricNamesIn(expression: string): string[] {
  return [...new Set(expression.match(/\bjobs_[a-z0-9_]+/g) ?? [])];
}
