# syntax=docker/dockerfile:1
# Two images from one recipe: target `api` (the API and the migration job) and target `worker`. Only the worker,
# which renders receipt PDFs, carries a browser. docker-compose.yml picks the target and the command.
#
# Nothing installed here floats: the base image is an exact Node release (by tag; add its @sha256 digest once
# read from the registry), npm is an exact version, dependencies come from package-lock.json (npm ci) and the
# worker's Debian packages carry exact versions. A pinned Debian version disappears from the mirror when Debian
# publishes a security update: the build then fails on "Version ... was not found", and the fix is to bump
# CHROMIUM_VERSION below to the new one (apt-cache policy chromium in this base image).

# ---- build: full dependency tree (TypeScript, type packages) to compile src/ into dist/ ----
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
# package.json approves install scripts through "allowScripts", which only npm 11 understands;
# the node:20 image ships npm 10.
RUN npm install -g npm@11.19.1
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# The dev launcher (src/dev) starts embedded Postgres and the Temporal dev server from dev dependencies; it is
# never part of an image.
RUN npm run build && rm -rf dist/src/dev

# ---- runtime: what api and worker share: production dependencies and the compiled output ----
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN npm install -g npm@11.19.1
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY templates ./templates
# The app code stays root-owned (read-only for the process); only the local secret store is writable.
# An empty named volume mounted here inherits this owner and mode on first use.
RUN mkdir -p -m 700 /data/secrets && chown node:node /data/secrets

# ---- worker: the runtime plus Debian's Chromium for receipt PDFs ----
FROM runtime AS worker
ARG CHROMIUM_VERSION=156.0.8078.129-1~deb12u1
# Puppeteer must use Debian's Chromium (security updates via apt) instead of downloading its own build.
ENV PUPPETEER_SKIP_DOWNLOAD=true \
    CHROMIUM_PATH=/usr/bin/chromium
# Fonts: --no-install-recommends would otherwise leave Chromium without any, and PDFs would render blank glyphs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium=${CHROMIUM_VERSION} fonts-liberation=1:1.07.4-11 fonts-dejavu-core=2.37-6 \
 && rm -rf /var/lib/apt/lists/*
USER node
CMD ["node", "dist/src/worker.js"]

# ---- api (the default target): the runtime as is, no browser ----
FROM runtime AS api
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
