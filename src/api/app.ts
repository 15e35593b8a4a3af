// The HTTP shell: external plugins, then our cross-cutting plugins (errors, auth,
// metrics, rate limits), then capability routes. Capabilities own their routes and
// schemas; this file only wires them.
import { randomBytes } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { EventBus } from '../events/bus.js';
import { eventSchemaRoutes } from '../events/schema-routes.js';
import type { Logger } from '../log.js';
import { ApiKeyVerifier, registerAuth, type SessionAuth } from './auth.js';
import { registerErrorHandling, sendProblem } from './errors.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import { metricsRoute } from './metrics.js';
import { lazyChildLogger, registerRequestLog } from './request-log.js';
import { registerOpenApi } from './openapi.js';
import { securityHeaders } from './security-headers.js';
import { nulPointer } from './text-guard.js';
import { badRequest, ProblemError } from './problem.js';
import { fieldName } from './validation.js';
import { validatorCompiler } from './validator.js';
import { LocalWindowCounter, RateLimiter, RedisWindowCounter, registerRateLimits } from './rate-limit.js';
import { keyRoutes } from './key-routes.js';
import { KeyWatch } from './key-watch.js';
import { RedisUsedTokens, StreamTokens } from './stream-token.js';
import { streamRoutes } from './stream.js';
import { registerStrictQueries } from './strict-query.js';
import { registerTracing } from '../tracing/fastify.js';
import { tracingEnabled } from '../tracing/tracer.js';

export interface AppDeps {
  config: Config;
  db: Db;
  /** Shared rate-limit counters when several instances run. */
  redis?: Redis;
  log: Logger;
  bus: EventBus;
  readiness: Record<string, ReadinessCheck>;
  /** Capability route plugins (calls, webhooks, ...), registered after the shell. */
  routes?: Array<{ plugin: FastifyPluginAsync<any>; opts?: object }>;
  /** Sessions that act for a key within limits (agent panel links). */
  sessions?: SessionAuth;
  /** Secret for stream tokens; must be the same on every instance behind one load balancer. */
  streamTokenSecret?: string;
  /** Tuning, mostly for tests. */
  options?: {
    keyCacheTtlMs?: number;
    streamMaxBufferedBytes?: number;
    streamHeartbeatMs?: number;
    streamResumePollMs?: number;
    readinessTimeoutMs?: number;
    /** How often open streams re-check their key (revocations made outside the API). */
    keyRecheckMs?: number;
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const PLACE = { params: 'path parameter', querystring: 'query parameter', body: 'body' } as const;
const VERSION = '0.1.0';

/**
 * Request ids for requests that bring none: a random prefix per app and a counter. Unique
 * across instances and restarts as a UUID would be (64 random bits each time the app is
 * built), without drawing and formatting randomness for every request; an id names a
 * request in logs and problems and grants nothing, so it need not be unguessable.
 */
function requestIds(): () => string {
  const prefix = randomBytes(8).toString('hex');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

/** The 400 for a request part holding U+0000, naming the field; undefined when it holds none. */
function nulProblem(context: keyof typeof PLACE, value: unknown): ProblemError | undefined {
  const pointer = nulPointer(value);
  if (pointer === undefined) return undefined;
  const field = fieldName(pointer);
  return badRequest(`${field ? `${PLACE[context]} '${field}'` : PLACE[context]} must not contain the NUL character (U+0000)`);
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const headers = securityHeaders();
  const nextRequestId = requestIds();
  const app = Fastify({
    loggerInstance: deps.log,
    // Fastify's own request lines carry the raw URL, whose query string can hold phone
    // numbers and stream tokens; we log route patterns instead (see onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : nextRequestId();
    },
    // Validation runs on compiled TypeBox checks (validator.ts). Should a plugin go back to
    // Fastify's Ajv, it too must never strip unknown fields silently: they are a 400.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // A URL the router cannot decode (/v1/calls/%E0%A4%A) never reaches the hooks that set
    // the usual headers: answered here, in the same shape as every other refusal.
    frameworkErrors: (err, req, reply) => {
      reply.headers(headers.api).header('x-request-id', req.id);
      const detail = err.code === 'FST_ERR_BAD_URL' ? 'the URL is malformed (bad percent-encoding)' : 'the request cannot be routed';
      sendProblem(reply, { ...new ProblemError(400, detail).toProblem(), requestId: req.id });
    },
    // Refused by Node's HTTP parser before Fastify sees it (a request line or headers over
    // the size limit, bytes that are not HTTP): still a problem document with the headers.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return void socket.destroy();
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const status = tooLarge ? 431 : 400;
      const body = JSON.stringify({
        type: 'about:blank',
        title: tooLarge ? 'Request Header Fields Too Large' : 'Bad Request',
        status,
        detail: tooLarge ? 'the request line or headers exceed the size limit' : 'the request is not valid HTTP',
      });
      const lines = Object.entries({ ...headers.api, 'content-type': 'application/problem+json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
      socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
    },
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);

  // Spans only when an exporter is installed, which the service does before building the
  // app (main.ts): without one, the two hooks would run on every request to do nothing.
  if (tracingEnabled()) registerTracing(app);
  // --- external plugins
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(req.url.startsWith('/docs') ? headers.document : headers.api).header('x-request-id', req.id);
    done();
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await registerOpenApi(app, { version: VERSION });

  // --- our cross-cutting plugins
  registerErrorHandling(app, { bodyLimit: config.bodyLimitBytes });
  app.addHook('preValidation', (req, _reply, done) => {
    done(nulProblem('params', req.params) ?? nulProblem('querystring', req.query) ?? nulProblem('body', req.body));
  });
  const verifier = new ApiKeyVerifier(deps.db, { cacheTtlMs: deps.options?.keyCacheTtlMs, log: deps.log });
  const streamTokens = new StreamTokens({
    secret: deps.streamTokenSecret,
    ...(deps.redis ? { used: new RedisUsedTokens(deps.redis, `${config.redisPrefix}:stream-token-used:`) } : {}),
  });
  const keyWatch = new KeyWatch({
    db: deps.db,
    ...(deps.redis ? { redis: deps.redis } : {}),
    channel: `${config.redisPrefix}:api-keys:changed`,
    forget: (prefixes) => prefixes.forEach((p) => verifier.invalidate(p)),
    ...(deps.options?.keyRecheckMs ? { recheckMs: deps.options.keyRecheckMs } : {}),
    log: deps.log,
  });
  await keyWatch.start();
  app.addHook('onClose', async () => keyWatch.stop());
  app.decorate('apiKeys', verifier);
  app.decorate('keyWatch', keyWatch);
  const limiter = new RateLimiter({
    counter: deps.redis ? new RedisWindowCounter(deps.redis, `${config.redisPrefix}:ratelimit:`) : new LocalWindowCounter(),
    onError: (err) => deps.log.warn({ err: err.message }, 'rate limit counter unavailable; request allowed'),
  });
  app.decorate('sessions', deps.sessions ?? null);
  registerAuth(app, { verifier, streamTokens, failures: { limiter, perMinute: config.authFailuresPerMinute }, ...(deps.sessions ? { sessions: deps.sessions } : {}) });
  registerRequestLog(app);
  registerRateLimits(app, { limiter, perMinute: config.rateLimitPerMinute });
  registerStrictQueries(app);

  // --- routes
  metricsRoute(app);
  await app.register(healthRoutes, { checks: deps.readiness, timeoutMs: deps.options?.readinessTimeoutMs });
  await app.register(streamRoutes, {
    bus: deps.bus,
    db: deps.db,
    tokens: streamTokens,
    keyWatch,
    resumePollMs: deps.options?.streamResumePollMs,
    maxBufferedBytes: deps.options?.streamMaxBufferedBytes,
    heartbeatMs: deps.options?.streamHeartbeatMs,
  });
  await app.register(eventSchemaRoutes);
  await app.register(keyRoutes, { db: deps.db, watch: keyWatch });
  for (const r of deps.routes ?? []) await app.register(r.plugin, r.opts ?? {});

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Verified API keys (cache); call invalidate(prefix) after revoking in-process. */
    apiKeys: ApiKeyVerifier;
    /** Open streams and screens by key: closed when their key is revoked or loses their scope. */
    keyWatch: KeyWatch;
    /** Bound sessions (agent panel), when the service issues them. */
    sessions: SessionAuth | null;
  }
}
