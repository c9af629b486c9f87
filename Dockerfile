# The mlx-jobs worker with the embedded local launcher (Debian's Chromium). Point MLX_LAUNCHER_URL at a
# real MLX agent on the same host to drive MLX profiles instead.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci refuses this lock (see scripts/ensure-tools.sh); this installs exactly the locked tree.
RUN npm install --no-save --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
ENV NODE_ENV=production MLX_DATA_DIR=/data MLX_CHROMIUM_PATH=/usr/bin/chromium
VOLUME /data
USER node
CMD ["node", "dist/src/worker.js"]
