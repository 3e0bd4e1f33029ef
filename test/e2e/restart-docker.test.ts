import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CliProcess } from '../helpers/cli.js';
import { RestartProject } from '../helpers/restarts.js';
import { freePort } from '../helpers/redis-server.js';

const redisUrl = inject('redisUrl');
const projects: RestartProject[] = [];

afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.stopAll()));
});

const DOCKERFILE = readFileSync(
  fileURLToPath(new URL('../../Dockerfile', import.meta.url)),
  'utf8',
);

/** The final stage's instructions, continuation lines joined. */
function finalStage(): string[] {
  const lines = DOCKERFILE.replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  const from = lines.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
  return lines.slice(from);
}

function instruction(name: string): string[] {
  return finalStage()
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());
}

function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of instruction('ENV'))
    for (const [, key, value] of line.matchAll(/(\w+)=(\S+)/g))
      env[key as string] = value as string;
  return env;
}

// No Docker engine is needed: these run what the image runs, the CLI, the way it runs it.
describe('Dockerfile', () => {
  it('is multi-stage, runs as a non-root user, with tini as PID 1 in front of the CLI', () => {
    expect(DOCKERFILE.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(instruction('USER')).toEqual(['node']);
    const entrypoint = JSON.parse(instruction('ENTRYPOINT')[0] ?? '[]') as string[];
    expect(entrypoint.slice(0, 4)).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '/opt/jobs-daemon/dist/cli/main.js',
    ]);
    expect(JSON.parse(instruction('CMD')[0] ?? '[]')).toEqual(['start']);
    // In a container the metrics must listen on every interface to be reachable.
    expect(environment().JOBS_METRICS_ADDR).toMatch(/^0\.0\.0\.0:\d+$/);
  });

  it("the image's command serves /healthz to its HEALTHCHECK and stops with exit 0 on SIGTERM", async () => {
    const project = new RestartProject(redisUrl);
    projects.push(project);
    const port = await freePort();
    const env = {
      ...environment(),
      ...project.env,
      JOBS_CONFIG: project.config,
      JOBS_VAR_DIR: `${project.dir}/var`,
      JOBS_METRICS_ADDR: `0.0.0.0:${port}`,
    };
    const daemon = CliProcess.start(['start', '--workers', '1'], { cwd: project.dir, env });
    project.running.push(daemon);
    await daemon.waitFor((line) => line.msg === 'daemon started');

    const healthcheck = /CMD (\[.*\])$/.exec(instruction('HEALTHCHECK')[0] ?? '')?.[1];
    const [program, ...args] = JSON.parse(healthcheck ?? '[]') as string[];
    expect(program).toBe('node');
    const probe = spawnSync(process.execPath, args, {
      env: { ...process.env, ...env },
      timeout: 10_000,
    });
    expect(probe.status).toBe(0);

    expect(await daemon.stop()).toBe(0);
  });
});
