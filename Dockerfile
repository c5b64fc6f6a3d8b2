# syntax=docker/dockerfile:1
# One image for the API, the worker and the migration job; docker-compose.yml picks the command.

# ---- build: full dependency tree (TypeScript, type packages) to compile src/ into dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# package.json approves install scripts through "allowScripts", which only npm 11 understands;
# the node:20 image ships npm 10.
RUN npm install -g npm@11
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- runtime: production dependencies, compiled output, Chromium for receipt PDFs ----
FROM node:20-bookworm-slim AS runtime
# Puppeteer must use Debian's Chromium (security updates via apt) instead of downloading its own build.
ENV NODE_ENV=production \
    PUPPETEER_SKIP_DOWNLOAD=true \
    CHROMIUM_PATH=/usr/bin/chromium
# Fonts: --no-install-recommends would otherwise leave Chromium without any, and PDFs would render blank glyphs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN npm install -g npm@11
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY templates ./templates
# The app code stays root-owned (read-only for the process); only the local secret store is writable.
# An empty named volume mounted here inherits this owner and mode on first use.
RUN mkdir -p -m 700 /data/secrets && chown node:node /data/secrets
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
