# The mlx-jobs worker with the embedded local launcher (Debian's Chromium). Point MLX_LAUNCHER_URL at a
# real MLX agent on the same host to drive MLX profiles instead. Your own tasks: set MLX_TASKS_MODULE to
# a CommonJS module in the image (examples/agency-tasks/Dockerfile builds on this one); it can require
# mlx-jobs/task, zod and playwright-core from here (NODE_PATH).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci refuses this lock (see scripts/ensure-tools.sh); this installs exactly the locked tree.
RUN npm install --no-save --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
# The compiled package and its prebuilt workflow bundle; then only what runs it (peer dependencies stay).
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# `mlx-jobs` on the PATH, and the package resolvable by name from a task module anywhere in the image.
RUN ln -s /app/bin/mlx-jobs /usr/local/bin/mlx-jobs && ln -s /app /app/node_modules/mlx-jobs
ENV NODE_ENV=production MLX_DATA_DIR=/data MLX_CHROMIUM_PATH=/usr/bin/chromium NODE_PATH=/app/node_modules
VOLUME /data
USER node
CMD ["node", "dist/worker.js"]
