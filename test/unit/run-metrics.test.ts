import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, LAG_BUCKETS, RunMetrics } from '../../src/metrics/run-metrics.js';

/** The sample lines of a scrape (no HELP/TYPE), as `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('RunMetrics.render', () => {
  it('writes the four metrics with HELP and TYPE, and nothing else, when nothing ran', () => {
    const text = new RunMetrics().render();
    expect(text.split('\n').filter((line) => line.startsWith('# TYPE'))).toEqual([
      '# TYPE jobs_runs_total counter',
      '# TYPE jobs_duration_seconds histogram',
      '# TYPE jobs_schedule_lag_seconds histogram',
      '# TYPE jobs_last_success_timestamp_seconds gauge',
    ]);
    expect(text.split('\n').filter((line) => line.startsWith('# HELP'))).toHaveLength(4);
    expect(samples(text).size).toBe(0);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('starts each defined job at 0 for every status, then counts runs', () => {
    const metrics = new RunMetrics();
    metrics.initialize([{ name: 'send-mail', queue: 'default' }]);
    metrics.countRun('default', 'send-mail', 'failed');
    metrics.countRun('default', 'send-mail', 'failed');
    metrics.countRun('default', 'send-mail', 'completed', 3);
    const values = samples(metrics.render());
    expect(
      values.get('jobs_runs_total{queue="default",job_name="send-mail",status="completed"}'),
    ).toBe(3);
    expect(
      values.get('jobs_runs_total{queue="default",job_name="send-mail",status="failed"}'),
    ).toBe(2);
    expect(
      values.get('jobs_runs_total{queue="default",job_name="send-mail",status="skipped"}'),
    ).toBe(0);
  });

  it('renders cumulative buckets, +Inf, sum and count for durations', () => {
    const metrics = new RunMetrics();
    for (const seconds of [0.003, 0.2, 0.2, 4000])
      metrics.observeDuration('default', 'report', 'completed', seconds);
    const values = samples(metrics.render());
    const bucket = (le: string) =>
      values.get(
        `jobs_duration_seconds_bucket{queue="default",job_name="report",status="completed",le="${le}"}`,
      );
    expect(bucket('0.005')).toBe(1);
    expect(bucket('0.1')).toBe(1);
    expect(bucket('0.25')).toBe(3);
    expect(bucket('3600')).toBe(3);
    expect(bucket('+Inf')).toBe(4);
    const labels = 'queue="default",job_name="report",status="completed"';
    expect(values.get(`jobs_duration_seconds_sum{${labels}}`)).toBeCloseTo(4000.403, 6);
    expect(values.get(`jobs_duration_seconds_count{${labels}}`)).toBe(4);
    const buckets = [...values.keys()].filter((key) =>
      key.startsWith('jobs_duration_seconds_bucket'),
    );
    expect(buckets).toHaveLength(DURATION_BUCKETS.length + 1);
  });

  it('shows an observation made after a scrape in the next scrape', () => {
    const metrics = new RunMetrics();
    metrics.observeLag('default', 'tick', 0.07);
    const lag = (text: string) =>
      samples(text).get('jobs_schedule_lag_seconds_count{queue="default",job_name="tick"}');
    expect(lag(metrics.render())).toBe(1);
    metrics.observeLag('default', 'tick', 2);
    const values = samples(metrics.render());
    expect(lag(metrics.render())).toBe(2);
    expect(
      values.get('jobs_schedule_lag_seconds_bucket{queue="default",job_name="tick",le="0.1"}'),
    ).toBe(1);
    expect(
      values.get('jobs_schedule_lag_seconds_bucket{queue="default",job_name="tick",le="2.5"}'),
    ).toBe(2);
    expect([...values.keys()].filter((key) => key.includes('lag_seconds_bucket'))).toHaveLength(
      LAG_BUCKETS.length + 1,
    );
  });

  it('keeps the last success per job, replaced by a later one', () => {
    const metrics = new RunMetrics();
    metrics.setLastSuccess('backup', 1_700_000_000);
    metrics.setLastSuccess('backup', 1_700_000_060);
    const values = samples(metrics.render());
    expect(values.get('jobs_last_success_timestamp_seconds{job_name="backup"}')).toBe(
      1_700_000_060,
    );
    expect([...values.keys()].filter((key) => key.startsWith('jobs_last_success'))).toHaveLength(1);
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const metrics = new RunMetrics();
    metrics.countRun('default', 'odd"name\\x\ny', 'completed');
    expect(metrics.render()).toContain(
      'jobs_runs_total{queue="default",job_name="odd\\"name\\\\x\\ny",status="completed"} 1\n',
    );
  });
});
