# syntax=docker/dockerfile:1
# cr-exporter container image.
#
#   docker build -t cr-exporter --build-arg VERSION=$(node -p 'require("./package.json").version') \
#     --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%FT%TZ) .
#   docker run --rm -p 8080:8080 cr-exporter --from-files /app/examples
#
# Two stages: `build` compiles TypeScript and lays the application out exactly as `npm pack`
# ships it, with production dependencies only; the runtime is distroless Node 24 (no shell, no
# package manager) running as the unprivileged UID 65534. test/integration/package.test.ts
# reproduces this layout without Docker (pack, production-only install, run, scrape) and
# test/unit/dockerfile.test.ts checks this file's rules.

# The build stage's Node is the project's pinned one (package.json devDependencies.node).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# Dependencies first: this layer is reused while package*.json are unchanged.
COPY package.json package-lock.json ./
# Scripts off: the install scripts are the `node` devDependency's download of a second Node
# binary, which this image already has (same version), and esbuild's check of its binary, which
# its JavaScript API does without (the binary is an optional dependency of the platform's).
RUN npm ci --ignore-scripts --no-audit --no-fund
# tsconfig.json: esbuild reads its TypeScript settings (class fields, target) from it.
COPY tsconfig.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
COPY examples ./examples
# package.json's `build` script (node scripts/build.ts: src/ bundled into dist/main.js) on the
# image's node: with scripts off, node_modules/.bin/node would name a binary that was never
# downloaded. Then the application as published:
# `files` of package.json (dist/, examples/) plus package.json, and its production dependencies
# from the lockfile (none of them has install scripts).
RUN node scripts/build.ts \
  && npm pack --pack-destination /tmp \
  && mkdir /app \
  && tar -xzf /tmp/cr-exporter-*.tgz -C /app --strip-components=1 \
  && cp package-lock.json /app/
WORKDIR /app
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12:nonroot

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="cr-exporter" \
      org.opencontainers.image.description="Prometheus exporter for the .status of every Kubernetes custom resource; also runs kube-state-metrics CustomResourceStateMetrics configs." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian12:nonroot"

# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (V8's compiler and GC workers) an
# arena of its own, up to 8 per core, and keeps what they freed. Two arenas: at 1,000 objects
# 17-19 -> 10-13 MiB of malloc'd memory outside V8's heap (docs/performance.md, step 12).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build --chown=0:0 /app /app
# nobody:nogroup, numeric so that Kubernetes' runAsNonRoot can verify it.
USER 65534:65534
# 8080: object metrics, /healthz, /readyz; 8081: the exporter's own metrics.
EXPOSE 8080 8081
# The exporter handles SIGTERM itself (stops its watches and listeners, exits 0).
# --max-semi-space-size=1: V8's young generation stays at 1 MiB per semi-space instead of growing
# to 32 MiB and more. What the exporter keeps lives in the old generation; the young one only
# holds an event's or a scrape's garbage. Steady RSS at 1,000 objects 183 -> 128 MiB, at 10,000
# 462 -> 351 MiB, start-up CPU and scrape times unchanged within this VM's noise
# (docs/performance.md). The bench runs this same command (bench/shipped.ts).
# --v8-pool-size=2: two V8 worker threads (GC helpers, background compilation) instead of four.
# Each thread that allocates adds malloc memory, and the pod asks for 50m of CPU, not four cores.
# Steady RSS at 1,000 objects 106-107 -> 104 MiB (docs/performance.md, step 19).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--v8-pool-size=2", "/app/dist/main.js"]
