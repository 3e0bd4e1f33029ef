# syntax=docker/dockerfile:1
# jobs-daemon: `docker build -t jobs-daemon .`, then
#   docker run -e REDIS_URL=redis://redis:6379 -v "$PWD/jobs.yaml:/app/jobs.yaml:ro" jobs-daemon
# The image runs `jobs start`; pass another command (`work`, `run`, `list`, …) to run that.

# Build: compile the TypeScript, then keep only the runtime dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /opt/jobs-daemon
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json esbuild.config.js ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run: Node, tini and the compiled package, as the unprivileged `node` user.
FROM node:20-bookworm-slim
# tini as PID 1 forwards SIGTERM/SIGINT to the CLI (which stops gracefully on them) and
# reaps orphaned grandchildren of command jobs, which Node as PID 1 would leave as zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    JOBS_LOG_FORMAT=json \
    JOBS_CONFIG=/app/jobs.yaml \
    JOBS_VAR_DIR=/tmp/jobs-var \
    JOBS_METRICS_ADDR=0.0.0.0:9464
WORKDIR /opt/jobs-daemon
COPY --from=build /opt/jobs-daemon/package.json ./
COPY --from=build /opt/jobs-daemon/node_modules ./node_modules
COPY --from=build /opt/jobs-daemon/dist ./dist
# The definitions file and its module handlers are mounted (or copied by a child image) here.
WORKDIR /app
USER node
# Metrics and health: in a container the address must be 0.0.0.0, not loopback, for the
# port to be published and scraped; /healthz answers while the process is alive.
# The admin page on that address stays closed (403) until JOBS_WEB_TOKEN is set: pass it
# with `-e JOBS_WEB_TOKEN=…` (docs/web.md), or JOBS_WEB=off.
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const port = (process.env.JOBS_METRICS_ADDR || '').split(':').pop(); fetch('http://127.0.0.1:' + port + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `docker stop` sends SIGTERM; the workers' stop timeout (30s) plus the daemon's margin
# needs `docker stop -t 60` (or stop_grace_period: 60s in compose) to end gracefully.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/jobs-daemon/dist/cli/main.js"]
CMD ["start"]
