import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEPLOY } from './deploy-files.js';
import { eventually } from './metrics.js';
import { freePort } from './redis-server.js';

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  static_configs: { targets: string[] }[];
}

interface PrometheusConfig {
  global: Record<string, string>;
  scrape_configs: ScrapeConfig[];
}

export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus server (Debian's `prometheus`) running deploy/prometheus/prometheus.yml
 * as shipped, except for the targets (given per scrape job) and a 1s scrape interval so
 * a test need not wait 15s (and a matching timeout, which may not exceed it). alerts.yml is copied beside it, so the rules load too.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(targets: Record<string, string[]>): Promise<PrometheusServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jobs-test-prometheus-'));
    const config = parse(readFileSync(DEPLOY.prometheus, 'utf8')) as PrometheusConfig;
    config.global.scrape_interval = '1s';
    config.global.scrape_timeout = '1s';
    config.global.evaluation_interval = '1s';
    for (const job of config.scrape_configs) {
      const wanted = targets[job.job_name];
      if (!wanted) throw new Error(`no targets given for scrape job ${job.job_name}`);
      job.static_configs = [{ targets: wanted }];
    }
    writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    copyFileSync(DEPLOY.alerts, path.join(dir, 'alerts.yml'));
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000)));
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    try {
      await eventually('Prometheus to be ready', async () => {
        if (child.exitCode !== null) {
          throw new Error(`prometheus exited (${child.exitCode}): ${log}`);
        }
        const response = await fetch(`${server.url}/-/ready`);
        return response.ok ? true : undefined;
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** An instant query through the HTTP API. */
  async query(promql: string): Promise<QueryResult[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      data?: { result: QueryResult[] };
      error?: string;
    };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data?.result ?? [];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
