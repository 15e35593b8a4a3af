# syntax=docker/dockerfile:1
#
# cti-bridge image: TypeScript compiled by tsc, run by plain node as a non-root user.
#
#   docker build -t cti-bridge .
#   docker run --env-file cti-bridge.env -p 8080:8080 cti-bridge
#
# The service needs DATABASE_URL, REDIS_URL and its PBX settings (AMI_*/ARI_* or
# PBX_NODES): see docs/asterisk.md. It applies migrations/ itself at start.
#
# Debian slim rather than Alpine: msgpackr-extract (used by BullMQ) ships glibc
# prebuilds, and the tools are the same as on the machines the tests run on.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- all dependencies, dev included: the compiler lives there ---------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- tsc: src/ -> dist/ (tsconfig.build.json: rootDir src, outDir dist) ------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production dependencies only, from the same lock file --------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime --------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    NODE_OPTIONS=--enable-source-maps \
    FAX_DOCUMENT_DIR=/var/lib/cti-bridge/fax-documents \
    VOICEMAIL_GREETING_DIR=/var/lib/cti-bridge/greetings
# Ghostscript converts fax documents uploaded as PDF into fax TIFFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ghostscript \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Code and dependencies stay owned by root: the service cannot rewrite itself.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The agent panel's page, script and style are served as they are (no build step).
COPY src/agent-panel/public ./dist/agent-panel/public
# The migration runner finds its SQL at <dist>/../migrations (src/db/migrate.ts).
COPY migrations ./migrations
# The writable places: fax documents handed to Asterisk's SendFAX and voicemail
# greetings it plays. Mount volumes here that the PBX sees at the same paths
# (docker-compose.yml does).
RUN mkdir -p /var/lib/cti-bridge/fax-documents /var/lib/cti-bridge/greetings \
 && chown -R node:node /var/lib/cti-bridge
USER node
EXPOSE 8080
# node:*-slim has no curl: ask /healthz with node's own fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
