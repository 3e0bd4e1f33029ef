/**
 * A large definitions file of mixed kinds, as a site with thousands of tenants writes it:
 * cron and interval schedules, on-demand jobs, shell and argv commands, module handlers,
 * with descriptions, payloads and options. About 500 bytes a job (10,000 jobs: ~5 MB).
 */
export const MANY_HANDLER = `export default async function run(ctx) {
  return { ok: true, name: ctx.name };
}
`;

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];

export function manyJobName(i: number): string {
  return `backup-${String(i).padStart(4, '0')}`;
}

/** `count` jobs named backup-0001 …; modules refer to ./handler.js (MANY_HANDLER). */
export function manyDefinitions(count: number): string {
  const parts = [
    'defaults:\n  timezone: UTC\n  attempts: 2\n  backoff: 30s\n  timeout: 10m\njobs:\n',
  ];
  for (let i = 1; i <= count; i++) parts.push(manyJob(i));
  return parts.join('');
}

function manyJob(i: number): string {
  const name = manyJobName(i);
  const tenant = `tenant-${i % 997}`;
  const lines = [
    `  ${name}:`,
    `    description: Nightly backup of ${tenant}'s database and uploaded files, kept for 30 days (#${i})`,
  ];
  switch (i % 4) {
    case 0: // cron + argv command
      lines.push(
        `    schedule: "${i % 60} ${i % 24} * * *"`,
        `    timezone: ${ZONES[i % ZONES.length]}`,
        `    command: ["pg_dump", "--format=custom", "--file=/var/backups/${tenant}.dump", "${tenant}"]`,
        `    env: { PGHOST: db-${i % 7}.internal, PGUSER: backup }`,
      );
      break;
    case 1: // interval + module
      lines.push(
        `    every: ${(i % 12) + 1}h`,
        `    module: ./handler.js`,
        `    overlap: ${i % 2 ? 'forbid' : 'allow'}`,
      );
      break;
    case 2: // cron + module, with a queue of its own kind
      lines.push(
        `    schedule: "*/${(i % 5) + 5} ${i % 24} * * 1-5"`,
        `    module: ./handler.js`,
        `    queue: reports`,
        `    jitter: 30s`,
      );
      break;
    default: // on demand, shell command
      lines.push(
        `    command: 'tar -czf /var/backups/${tenant}-files.tgz /srv/files/${tenant} && echo done'`,
        `    queue: files`,
      );
  }
  lines.push(
    `    data:`,
    `      tenant: ${tenant}`,
    `      bucket: s3://backups-${i % 13}.example.org/${tenant}/nightly`,
    `      keepDays: 30`,
    `      notify: [ops@example.org, ${tenant}-admins@example.org]`,
    `      labels: { region: eu-${i % 3}, tier: ${i % 5 ? 'standard' : 'premium'}, owner: platform-team }`,
  );
  return `${lines.join('\n')}\n`;
}
